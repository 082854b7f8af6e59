// Debounced saving: edits arrive in bursts (a sync touches thousands of rows), and exporting a
// large image blocks the event loop, so saves wait for a quiet moment but never longer than a cap.

/** The clock and timers the scheduler uses; tests pass a fake to drive time by hand. */
export interface TimerApi {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The process's real timers. */
export const realTimers: TimerApi = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Scheduler tunables. */
export interface SaveSchedulerOptions {
  /** Quiet time after the last change before saving (ms). */
  delayMs?: number;
  /** Longest a change may wait while changes keep coming (ms). */
  maxDelayMs?: number;
  timers?: TimerApi;
}

/** Debounces calls to `save`; `flush` saves now if anything is pending. */
export class SaveScheduler<R> {
  private handle: unknown;
  private firstAt: number | undefined;
  private readonly delayMs: number;
  private readonly maxDelayMs: number;
  private readonly timers: TimerApi;

  constructor(
    private readonly save: () => R,
    private readonly onResult: (result: R) => void = () => {},
    opts: SaveSchedulerOptions = {},
  ) {
    this.delayMs = opts.delayMs ?? 750;
    this.maxDelayMs = Math.max(opts.maxDelayMs ?? 5000, this.delayMs);
    this.timers = opts.timers ?? realTimers;
  }

  /** Whether a save is waiting. */
  get pending(): boolean {
    return this.firstAt !== undefined;
  }

  /** Notes a change; the save happens after `delayMs` of quiet, or at `maxDelayMs` after the first change. */
  schedule(): void {
    const now = this.timers.now();
    if (this.firstAt === undefined) this.firstAt = now;
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    const wait = Math.max(0, Math.min(this.delayMs, this.firstAt + this.maxDelayMs - now));
    this.handle = this.timers.setTimeout(() => {
      this.handle = undefined;
      this.run();
    }, wait);
  }

  /** Saves immediately if a save is pending; returns its result, or undefined when nothing was pending. */
  flush(): R | undefined {
    if (!this.pending) return undefined;
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
    return this.run();
  }

  /** Drops a pending save (e.g. when the cache is being replaced). */
  cancel(): void {
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
    this.firstAt = undefined;
  }

  private run(): R {
    this.firstAt = undefined;
    const r = this.save();
    this.onResult(r);
    return r;
  }
}
