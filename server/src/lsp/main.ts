/**
 * Entry of dist/server.js: starts the language server on load, over the transport the command
 * line names (--stdio, --node-ipc, --socket=N, --pipe=NAME).
 */
import { createConnection, ProposedFeatures, StreamMessageReader, StreamMessageWriter, type Connection } from 'vscode-languageserver/node';
import { startServer } from './server';

/** The connection for the transport on the command line; stdio gets a reader we can watch. */
function connect(): Connection {
  if (!process.argv.includes('--stdio')) return createConnection(ProposedFeatures.all);
  const reader = new StreamMessageReader(process.stdin);
  const writer = new StreamMessageWriter(process.stdout);
  // A header without a usable Content-Length cannot be resynchronised: every later byte would
  // be misread, so the server says why and exits instead of hanging deaf.
  reader.onError((e) => {
    process.stderr.write(`skillmeat-ls: unreadable message from the client (${e.message}); exiting\n`);
    process.exit(1);
  });
  // The client went away without the exit notification: nothing more can arrive.
  reader.onClose(() => process.exit(1));
  return createConnection(ProposedFeatures.all, reader, writer);
}

const connection = connect();
// Over stdio, anything printed to stdout would corrupt the protocol stream.
console.log = (...args: unknown[]) => connection.console.log(args.map(String).join(' '));
console.info = console.log;
console.warn = (...args: unknown[]) => connection.console.warn(args.map(String).join(' '));
console.error = (...args: unknown[]) => connection.console.error(args.map(String).join(' '));
process.on('uncaughtException', (e) => connection.console.error(`uncaught: ${e?.stack ?? e}`));
process.on('unhandledRejection', (e) => connection.console.error(`unhandled rejection: ${(e as Error)?.stack ?? e}`));
startServer(connection);
