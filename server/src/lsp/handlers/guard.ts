/** The shell every request handler runs in: waits for the first index, honours cancellation, never throws. */
import { ErrorCodes, LSPErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver/node';
import type { Session } from '../session';

/** A request handler of the session. */
export type Handler<P, R> = (session: Session, params: P, token: CancellationToken) => R | Promise<R>;

/**
 * Wraps a handler: answers `empty` (and logs) on any error, a cancellation error when cancelled.
 * Long requests first yield one turn of the event loop, so a `$/cancelRequest` already received
 * is seen before the work starts.
 */
export function guard<P, R>(getSession: () => Session | undefined, name: string, empty: R, fn: Handler<P, R>, long = false): (params: P, token: CancellationToken) => Promise<R | ResponseError<never>> {
  return async (params, token) => {
    const session = getSession();
    // vscode-languageserver does not refuse requests sent before `initialize`; the protocol says to.
    if (!session) return new ResponseError<never>(ErrorCodes.ServerNotInitialized, `${name} before initialize`);
    await session.ready;
    if (long) await new Promise((r) => setImmediate(r));
    if (token?.isCancellationRequested) return new ResponseError<never>(LSPErrorCodes.RequestCancelled, `${name} cancelled`);
    try {
      const r = await fn(session, params, token);
      if (token?.isCancellationRequested) return new ResponseError<never>(LSPErrorCodes.RequestCancelled, `${name} cancelled`);
      return r;
    } catch (e) {
      session.log(`${name} failed: ${(e as Error)?.stack ?? e}`);
      return empty;
    }
  };
}
