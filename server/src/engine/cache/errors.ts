// Expected failures of the cache layer are values, so callers (LSP, CLI) decide how to show
// them; exceptions are reserved for programming errors.

/** Every failure code the cache layer returns. */
export type CacheErrorCode =
  | 'UNKNOWN_REVISION'
  | 'BAD_HISTORY'
  | 'BAD_TARGET'
  | 'DRIFT'
  | 'MIGRATION_FAILED'
  | 'FK_VIOLATION'
  | 'NOT_A_CACHE'
  | 'READ_FAILED'
  | 'CORRUPT'
  | 'LOCKED'
  | 'CONFLICT'
  | 'SAVE_FAILED'
  | 'BACKUP_FAILED'
  | 'STALE_GENERATION'
  | 'WRITE_FAILED'
  | 'INVALID_INPUT'
  | 'CLOSED'
  | 'INTERNAL';

/** A failure as a value: a stable code for programs and a message for people. */
export interface CacheError {
  code: CacheErrorCode;
  message: string;
}

/** Success with a value or failure with a CacheError. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: CacheError };

/** Builds a CacheError. */
export function cacheError(code: CacheErrorCode, message: string): CacheError {
  return { code, message };
}

/** The message of anything thrown, for wrapping into a CacheError. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
