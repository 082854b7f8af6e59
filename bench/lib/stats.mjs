// Small statistics helpers: every figure is summarised as median with min and max.

/** The q-quantile (0..1) of numbers, nearest-rank on a sorted copy. */
export function quantile(values, q) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i];
}

export const median = (v) => {
  if (!v.length) return NaN;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** { median, min, max, runs } of a list of per-run values. */
export function summary(values) {
  const v = values.filter((x) => Number.isFinite(x));
  if (!v.length) return { median: null, min: null, max: null, runs: 0 };
  return { median: median(v), min: Math.min(...v), max: Math.max(...v), runs: v.length };
}

/** Milliseconds since `t0` (a process.hrtime.bigint()). */
export const msSince = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

export const now = () => process.hrtime.bigint();

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
