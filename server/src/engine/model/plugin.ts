import * as path from 'node:path';
import type { Span } from '../text/lineIndex';
import type { DiagnosticSink } from '../diagnostics/sink';
import type { Field } from './fields';

/** A composite's plugin.json (root or `.claude-plugin/`), read leniently as SkillMeat does. */
export interface PluginModel {
  kind: 'plugin';
  file: string;
  /** The plugin folder: the file's folder, or its parent for `.claude-plugin/plugin.json`. */
  dir: string;
  name?: Field<string>;
  version?: Field<string>;
  description?: Field<string>;
  parsed: boolean;
}

/** Where JSON.parse says it failed, from its message (Node 20 gives a position, later versions line/column). */
function jsonErrorOffset(message: string, text: string): number {
  const pos = /position (\d+)/.exec(message);
  if (pos) return Math.min(+pos[1], text.length);
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) {
    let line = 1;
    let i = 0;
    while (line < +lc[1] && i < text.length) {
      if (text.charCodeAt(i) === 10) line++;
      i++;
    }
    return Math.min(i + +lc[2] - 1, text.length);
  }
  return text.length;
}

/** The span of a top-level string member's value in JSON text (first occurrence of `"key": "…"`). */
function memberSpan(text: string, key: string): { keySpan: Span; span: Span } | undefined {
  const re = new RegExp(`"${key}"\\s*:\\s*`, 'g');
  const m = re.exec(text);
  if (!m) return undefined;
  const start = m.index + m[0].length;
  let end = start;
  if (text[start] === '"') {
    end = start + 1;
    while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
    end = Math.min(end + 1, text.length);
  } else {
    while (end < text.length && !/[,}\n]/.test(text[end])) end++;
  }
  return { keySpan: { start: m.index, end: m.index + key.length + 2 }, span: { start, end } };
}

/** Parses and lowers a plugin.json; syntax errors carry the code `json-syntax` at the failing offset. */
export function lowerPlugin(file: string, text: string, sink: DiagnosticSink): PluginModel {
  const dir = path.basename(path.dirname(file)) === '.claude-plugin' ? path.dirname(path.dirname(file)) : path.dirname(file);
  const model: PluginModel = { kind: 'plugin', file, dir, parsed: false };
  let data: unknown;
  try {
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text);
  } catch (e) {
    const off = jsonErrorOffset(String((e as Error).message), text);
    sink.add('json-syntax', { start: off, end: Math.min(off + 1, text.length) }, `plugin.json is not valid JSON: ${(e as Error).message.replace(/^JSON\.parse: /, '')}`);
    return model;
  }
  model.parsed = true;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    sink.add('invalid-plugin', { start: 0, end: text.length }, 'plugin.json must be a JSON object');
    return model;
  }
  const obj = data as Record<string, unknown>;
  for (const key of ['name', 'version', 'description'] as const) {
    if (!(key in obj)) continue;
    const where = memberSpan(text, key) ?? { keySpan: { start: 0, end: 0 }, span: { start: 0, end: 0 } };
    if (typeof obj[key] !== 'string') {
      sink.add('invalid-plugin', where.span, `"${key}" in plugin.json must be a string`);
      continue;
    }
    model[key] = { value: obj[key] as string, span: where.span, keySpan: where.keySpan };
  }
  if ('tags' in obj && !(Array.isArray(obj.tags) && obj.tags.every((t) => typeof t === 'string'))) {
    const where = memberSpan(text, 'tags');
    sink.add('invalid-plugin', where?.span ?? { start: 0, end: 0 }, '"tags" in plugin.json must be an array of strings');
  }
  return model;
}
