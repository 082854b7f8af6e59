// Figures, their targets and verdicts, and the printed table.
import { summary } from './stats.mjs';

/**
 * A figure: per-run values summarised as median/min/max, compared with a target.
 * target: { op: '<=' | '>=', value, text }. A figure whose feature is missing carries `na`
 * (the reason) and fails; an informational figure has no target.
 */
export function makeFigure({ id, title, size, unit, values = [], target, na, note, detail, minRuns = 5 }) {
  const s = summary(values);
  let pass = null;
  if (target) {
    if (na || s.median === null) pass = false;
    else pass = target.op === '<=' ? s.median <= target.value : s.median >= target.value;
  }
  const fewRuns = !na && s.runs > 0 && s.runs < minRuns;
  return { id, title, size, unit, ...s, values, target, pass, na: na ?? (s.median === null && target ? 'not measured' : undefined), note: fewRuns ? [note, `only ${s.runs} run(s)`].filter(Boolean).join('; ') : note, detail };
}

export function fmt(v, unit) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (unit === 'ms') {
    if (v >= 10_000) return `${(v / 1000).toFixed(1)} s`;
    if (v >= 1000) return `${(v / 1000).toFixed(2)} s`;
    if (v >= 100) return `${v.toFixed(0)} ms`;
    if (v >= 10) return `${v.toFixed(1)} ms`;
    return `${v.toFixed(2)} ms`;
  }
  if (unit === 'MiB') return `${v.toFixed(0)} MiB`;
  if (unit === '×') return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}×`;
  if (unit === 'µs/artifact') return `${v.toFixed(1)} µs`;
  return `${v}`;
}

export function verdict(f) {
  if (!f.target) return 'info';
  return f.pass ? 'PASS' : 'FAIL';
}

/** Rows of the table (figure, size, median, min, max, runs, target, result) and the n/a reasons as footnotes. */
export function tableRows(figures) {
  const notes = [];
  const rows = figures.map((f) => {
    let med = fmt(f.median, f.unit);
    if (f.na) {
      notes.push(f.na);
      med = `n/a [${notes.length}]`;
    }
    return [f.title, f.size ?? '', med, f.na ? '' : fmt(f.min, f.unit), f.na ? '' : fmt(f.max, f.unit), f.na ? '' : String(f.runs), f.target?.text ?? '', verdict(f)];
  });
  return { rows, notes };
}

const HEAD = ['figure', 'size', 'median', 'min', 'max', 'runs', 'target', 'result'];

export function printTable(figures, out = (s) => process.stdout.write(s)) {
  const { rows, notes } = tableRows(figures);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  out(`${line(HEAD)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of rows) out(`${line(r)}\n`);
  notes.forEach((n, i) => out(`[${i + 1}] n/a: ${n}\n`));
}

/** The same table in Markdown (for the README section), n/a reasons as footnotes. */
export function markdownTable(figures) {
  const esc = (s) => s.replace(/\|/g, '\\|');
  const { rows, notes } = tableRows(figures);
  const body = [`| ${HEAD.join(' | ')} |`, `|${HEAD.map((_, i) => (i >= 2 && i <= 5 ? '---:' : '---')).join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)];
  return [...body, ...(notes.length ? ['', ...notes.map((n, i) => `[${i + 1}] n/a: ${n}`)] : [])].join('\n');
}
