/** What a CLI command may touch of the terminal; injected so tests capture it. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal (colour only then). */
  isTty: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Exit codes shared by every command: 0 fine, 1 findings or refused operation, 2 bad usage or internal failure. */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

/** The CliIo of the real process. */
export function processIo(): CliIo {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    isTty: Boolean(process.stdout.isTTY),
    cwd: process.cwd(),
    env: process.env,
  };
}
