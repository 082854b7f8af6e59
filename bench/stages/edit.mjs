// Editing at scale, through the server: the 50k corpus plus the editing fixture (a collection of
// 1,000 artifacts and 100 projects deploying its first artifact) as two workspace folders.
// Per session: open the 1,000-artifact collection.toml and the 100 deployed files, then
//   keystrokes in the big file → its publishDiagnostics (version-matched),
//   rename of the shared artifact → all 100 deployed files' diagnostics updated (and back),
//   hover / definition / references / completion round trips,
//   memory (VmRSS steady after opening, VmHWM at the end), and whether a cache save happened.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSize, ensureHot, listManifests } from '../lib/corpora.mjs';
import { uriOf } from '../lib/lsp.mjs';
import { freshHome, startServer, cacheFilesIn } from '../lib/server.mjs';
import { quantile, median, sleep } from '../lib/stats.mjs';

const hr = () => process.hrtime.bigint();
const msBetween = (a, b) => Number(b - a) / 1e6;

/** An open document as the client holds it: lines, version, single-line edits. */
class Doc {
  constructor(session, file) {
    this.session = session;
    this.file = file;
    this.lines = readFileSync(file, 'utf8').split('\n');
    this.version = 1;
    this.uri = session.open(file, this.lines.join('\n'));
  }
  /** Replaces [from, to) on one line with `text`; sends didChange; returns the new version. */
  edit(line, from, to, text) {
    const l = this.lines[line];
    this.lines[line] = l.slice(0, from) + text + l.slice(to);
    this.version++;
    const range = { start: { line, character: from }, end: { line, character: to } };
    this.session.change(this.uri, this.version, { range, text }, this.session.capabilities.textDocumentSync?.change === 2 ? undefined : this.lines.join('\n'));
    return this.version;
  }
  find(re, from = 0) {
    for (let i = from; i < this.lines.length; i++) if (re.test(this.lines[i])) return i;
    return -1;
  }
}

/** Resolves with the time of the first publishDiagnostics for `uri` that `pred` accepts, or undefined on timeout. */
function nextPublish(session, uri, pred, timeoutMs) {
  let at;
  return session.waitFor((u, rec) => {
    if (u === uri && rec && pred(rec)) {
      at = rec.t;
      return true;
    }
    return false;
  }, timeoutMs).then((ok) => (ok ? at : undefined));
}

/** Resolves with the time the last of `uris` got a publish (newer than `afterSeq`) that `pred` accepts. */
function allPublished(session, uris, afterSeq, pred, timeoutMs) {
  const pending = new Set(uris);
  let last;
  for (const u of uris) {
    const rec = session.diags.get(u);
    if (rec && rec.seq > afterSeq && pred(rec)) {
      pending.delete(u);
      last = last === undefined || rec.t > last ? rec.t : last;
    }
  }
  return session.waitFor((u, rec) => {
    if (u && rec && pending.has(u) && rec.seq > afterSeq && pred(rec)) {
      pending.delete(u);
      last = rec.t;
    }
    return pending.size === 0;
  }, timeoutMs).then((ok) => ({ ok, at: last, missing: pending.size }));
}

const pct = (v, q) => (v.length ? quantile(v, q) : NaN);

/**
 * One editing session; returns per-session measurements. `phases` holds the hrtime (ns) window of
 * each phase, so a CPU profile of the server (nodeArgs --cpu-prof) can be cut to one phase.
 */
export async function session(ctx, { base, hot, keystrokes, fanouts, requests, initExtra = {}, label, nodeArgs = [] }) {
  const home = freshHome(ctx, 'edit');
  const s = await startServer(ctx, { folders: [base.root, hot.root], home, initExtra, nodeArgs });
  const out = { label, phases: {} };
  const phase = (name, from) => (out.phases[name] = [String(from), String(hr())]);
  try {
    out.ready = await s.waitReady({ quietMs: 1000, timeoutMs: 300_000 });
    out.phases.start = [String(s.t0), String(s.indexedT ?? hr())];
    // Until the watcher is up (the cache opens and syncs meanwhile), probe the event loop: the
    // longest stall is how long a keystroke or hover could wait right after start.
    const startProbes = [];
    const wDeadline = Date.now() + (ctx.quick ? 60_000 : 180_000);
    while (s.watchingT === undefined && Date.now() < wDeadline && !s.exitedFlag) {
      const t = hr();
      await s.conn.sendRequest('bench/probe').catch(() => undefined);
      startProbes.push(msBetween(t, hr()));
      await sleep(5);
    }
    out.watcherReadyMs = s.rel(s.watchingT);
    out.phases.afterReady = [String(s.indexedT ?? s.t0), String(hr())];
    out.afterReady = { probes: startProbes.length, maxStallMs: startProbes.length ? Math.max(...startProbes) : undefined, blockedMs: startProbes.filter((p) => p > 50).reduce((a, b) => a + b, 0) };
    const colFile = join(hot.root, 'collections', 'hot-0', 'collection.toml');
    const deployedFiles = listManifests(join(hot.root, 'projects'));
    const t0 = hr();
    const seq0 = s.seq;
    const col = new Doc(s, colFile);
    const deps = deployedFiles.map((f) => new Doc(s, f));
    const opened = await allPublished(s, [col.uri, ...deps.map((d) => d.uri)], seq0, () => true, 120_000);
    out.openMs = opened.ok ? msBetween(t0, opened.at) : undefined;
    out.openMissing = opened.missing;
    await sleep(2000);
    out.memSteady = s.memory();

    // Keystrokes: type 10 characters into a description in the middle of the file, delete them, repeat.
    const line = col.find(/^description = "Generated artifact 501 of /);
    const base0 = col.lines[line].length - 1;
    const ks = [];
    let typed = 0;
    let lost = 0;
    const kDeadline = Date.now() + (ctx.quick ? 60_000 : 120_000);
    const kFrom = hr();
    for (let k = 0; k < keystrokes && Date.now() < kDeadline; k++) {
      const typing = Math.floor(k / 10) % 2 === 0;
      const t = hr();
      const v = typing ? col.edit(line, base0 + typed, base0 + typed, 'x') : col.edit(line, base0 + typed - 1, base0 + typed, '');
      typed += typing ? 1 : -1;
      const at = await nextPublish(s, col.uri, (r) => r.version === v, 30_000);
      if (at === undefined) lost++;
      else ks.push(msBetween(t, at));
      await sleep(30);
    }
    phase('keystroke', kFrom);
    out.keystroke = { samples: ks.length, lost, p50: pct(ks, 0.5), p90: pct(ks, 0.9), max: ks.length ? Math.max(...ks) : NaN, all: ks };
    // Leave the document as on disk.
    while (typed > 0) {
      col.edit(line, base0 + typed - 1, base0 + typed, '');
      typed--;
    }
    await sleep(500);

    // Fan-out: rename the artifact all 100 deployed files name, then rename it back.
    const nameLine = col.find(/^name = "/, col.find(/^\[\[artifacts\]\]/));
    const nameEnd = col.lines[nameLine].length - 1;
    const depUris = deps.map((d) => d.uri);
    const fan = [];
    const fanDetail = [];
    const fDeadline = Date.now() + (ctx.quick ? 60_000 : 150_000);
    const fFrom = hr();
    for (let f = 0; f < fanouts && Date.now() < fDeadline; f++) {
      const breaking = f % 2 === 0;
      const seq = s.seq;
      const t = hr();
      if (breaking) col.edit(nameLine, nameEnd, nameEnd, '-zz');
      else col.edit(nameLine, nameEnd, nameEnd + 3, '');
      const r = await allPublished(s, depUris, seq, breaking ? (rec) => rec.count > 0 : (rec) => rec.count === 0, 60_000);
      if (r.ok) fan.push(msBetween(t, r.at));
      fanDetail.push({ breaking, ok: r.ok, missing: r.missing, ms: r.ok ? msBetween(t, r.at) : undefined });
      await sleep(200);
    }
    phase('fanout', fFrom);
    if (fanDetail.length % 2 === 1) col.edit(nameLine, nameEnd, nameEnd + 3, '');
    out.fanout = { samples: fan.length, median: fan.length ? median(fan) : NaN, all: fan, detail: fanDetail };
    await sleep(1000);

    // Requests on positions that resolve across files.
    const posOf = (doc, re, offset) => {
      const out2 = [];
      for (let i = 0; i < doc.lines.length; i++) {
        const m = re.exec(doc.lines[i]);
        if (m) out2.push({ uri: doc.uri, position: { line: i, character: m.index + m[0].length + offset } });
      }
      return out2;
    };
    const depNames = deps.flatMap((d) => posOf(d, /^artifact_name = "/, 2).slice(0, 3));
    const depCols = deps.flatMap((d) => posOf(d, /^from_collection = "/, 0).slice(0, 1));
    const colNames = posOf(col, /^name = "/, 2).slice(1, 120);
    const shared = posOf(col, /^name = "/, 2)[1];
    const kinds = {
      hover: { method: 'textDocument/hover', at: (i) => (i % 2 ? depNames[i % depNames.length] : colNames[i % colNames.length]), nonEmpty: (r) => r !== null },
      definition: { method: 'textDocument/definition', at: (i) => depNames[i % depNames.length], nonEmpty: (r) => r !== null && (!Array.isArray(r) || r.length > 0) },
      references: { method: 'textDocument/references', at: (i) => (i % 4 === 0 ? shared : colNames[i % colNames.length]), extra: { context: { includeDeclaration: true } }, nonEmpty: (r) => Array.isArray(r) && r.length > 0 },
      completion: { method: 'textDocument/completion', at: (i) => (i % 2 ? depNames[i % depNames.length] : depCols[i % depCols.length]), extra: { context: { triggerKind: 1 } }, nonEmpty: (r) => (Array.isArray(r) ? r : r?.items ?? []).length > 0 },
    };
    out.requests = {};
    for (const [kind, k] of Object.entries(kinds)) {
      const times = [];
      let nonEmpty = 0;
      let sizeSum = 0;
      const rDeadline = Date.now() + 60_000;
      const rFrom = hr();
      for (let i = 0; i < requests && Date.now() < rDeadline; i++) {
        const p = k.at(i);
        const { ms, result } = await s.timedRequest(k.method, { textDocument: { uri: p.uri }, position: p.position, ...(k.extra ?? {}) });
        times.push(ms);
        if (k.nonEmpty(result)) nonEmpty++;
        sizeSum += Array.isArray(result) ? result.length : Array.isArray(result?.items) ? result.items.length : result ? 1 : 0;
      }
      phase(kind, rFrom);
      out.requests[kind] = { samples: times.length, p50: pct(times, 0.5), p95: pct(times, 0.95), max: Math.max(...times), nonEmpty, meanResultSize: sizeSum / Math.max(1, times.length) };
    }

    // Cache save after a burst of edits. The server syncs and saves on its own timers; while it
    // saves, its event loop is blocked, which is what a keystroke typed then would wait for. So:
    // a burst of 20 fast keystrokes, then a probe request (an unknown method, answered at once
    // by the protocol layer) every few ms until the cache file is replaced; the probe in flight
    // when the new file was written measures the save's stall. The server's own account
    // (skillmeat/cacheStatus: lastSave, lastSync) is recorded beside it.
    const cacheFile = join(home, 'vscode-cache.db');
    const stampOf = () => {
      try {
        const st = statSync(cacheFile);
        return { ino: st.ino, mtimeMs: st.mtimeMs, size: st.size };
      } catch {
        return undefined;
      }
    };
    const sFrom = hr();
    let before = stampOf();
    for (let k = 0; k < 20; k++) {
      col.edit(line, base0 + typed, base0 + typed, 'y');
      typed++;
      await sleep(15);
    }
    while (typed > 0) {
      col.edit(line, base0 + typed - 1, base0 + typed, '');
      typed--;
      await sleep(15);
    }
    const probes = [];
    let saved;
    const wallOffsetNs = BigInt(Math.round(Date.now() * 1e6)) - hr();
    const pDeadline = Date.now() + 20_000;
    while (Date.now() < pDeadline) {
      const t = hr();
      await s.conn.sendRequest('bench/probe').catch(() => undefined);
      probes.push([t, hr()]);
      const now = stampOf();
      if (!saved && now && (!before || now.ino !== before.ino || now.mtimeMs !== before.mtimeMs)) saved = { ...now, seenAt: hr() };
      if (saved && Number(hr() - saved.seenAt) / 1e6 > 300) break;
      await sleep(3);
    }
    phase('save', sFrom);
    out.save = { detected: Boolean(saved), probes: probes.length };
    if (saved) {
      const writtenAt = BigInt(Math.round(saved.mtimeMs * 1e6)) - wallOffsetNs;
      const hit = probes.find(([a, b]) => a <= writtenAt && writtenAt <= b) ?? probes.filter(([a]) => a <= writtenAt).pop();
      out.save.stallMs = hit ? msBetween(hit[0], hit[1]) : undefined;
      out.save.maxProbeMs = Math.max(...probes.map(([a, b]) => msBetween(a, b)));
      out.save.bytes = saved.size;
    }
    try {
      const st = await s.conn.sendRequest('skillmeat/cacheStatus');
      out.save.server = { state: st?.state, lastSave: st?.lastSave, lastSync: st?.lastSync && { ms: st.lastSync.ms, collectionsSynced: st.lastSync.collectionsSynced, deployedFilesSynced: st.lastSync.deployedFilesSynced }, artifacts: st?.artifacts };
    } catch (e) {
      out.save.server = { error: String(e.message ?? e) };
    }
    out.cacheFiles = cacheFilesIn(home).map((f) => ({ file: f.file.slice(home.length + 1), size: f.size }));
    out.saveLogs = s.logs.filter((l) => /cache/i.test(l.message)).slice(-20).map((l) => ({ atMs: s.rel(l.t), message: l.message }));
    out.memEnd = s.memory();
    out.logs = s.logs.slice(0, 20).map((l) => l.message);
    out.stderr = s.stderr.join('').slice(0, 2000);
    await s.stop();
  } catch (e) {
    out.error = String(e.stack ?? e);
    ctx.log(`  session failed: ${e.message}`);
    s.kill();
  }
  return out;
}

export async function editStage(ctx) {
  const size = '50k';
  const base = ensureSize(size, ctx.log);
  const hot = ensureHot(ctx.log);
  const params = ctx.quick ? { keystrokes: 20, fanouts: 4, requests: 40 } : { keystrokes: 40, fanouts: 10, requests: 80 };
  const sessions = [];
  const deadline = Date.now() + (ctx.quick ? 8 : 16) * 60_000;
  for (let i = 0; i < ctx.runs && Date.now() < deadline; i++) {
    const r = await session(ctx, { base, hot, ...params, label: `run ${i + 1}` });
    sessions.push(r);
    if (r.error) continue;
    ctx.log(
      `  run ${i + 1}: ready ${r.ready.readyMs.toFixed(0)} ms, watcher ${r.watcherReadyMs?.toFixed(0) ?? 'n/a'} ms, keystroke p50 ${r.keystroke.p50.toFixed(1)} / p90 ${r.keystroke.p90.toFixed(1)} ms, ` +
        `fan-out ${r.fanout.median.toFixed(0)} ms, hover p95 ${r.requests.hover.p95.toFixed(1)}, def ${r.requests.definition.p95.toFixed(1)}, refs ${r.requests.references.p95.toFixed(1)}, compl ${r.requests.completion.p95.toFixed(1)} ms, ` +
        `RSS ${r.memSteady?.rss.toFixed(0)} / HWM ${r.memEnd?.hwm.toFixed(0)} MiB, save stall ${r.save?.stallMs?.toFixed(0) ?? 'n/a'} ms`,
    );
  }
  // One diagnosis session with the diagnostics debounce at 0: what the rules cost without the wait.
  let diag;
  if (!ctx.quick && Date.now() < deadline) {
    diag = await session(ctx, { base, hot, keystrokes: 30, fanouts: 6, requests: 10, initExtra: { debounceMs: 0 }, label: 'debounce 0' });
    if (!diag.error) ctx.log(`  diagnosis (debounceMs 0): keystroke p50 ${diag.keystroke.p50.toFixed(1)} / p90 ${diag.keystroke.p90.toFixed(1)} ms, fan-out ${diag.fanout.median.toFixed(0)} ms`);
  }
  const ok = sessions.filter((r) => !r.error);
  const strip = (r) => ({ ...r, phases: undefined, keystroke: r.keystroke && { ...r.keystroke, all: undefined }, fanout: r.fanout && { ...r.fanout, all: undefined } });
  ctx.details.edit = { params, workspace: `${base.root} + ${hot.root}`, sessions: sessions.map(strip), diagnosisDebounce0: diag && strip(diag) };
  const nk = ok.map((r) => r.keystroke.samples).reduce((a, b) => a + b, 0);
  const lost = ok.map((r) => r.keystroke.lost).reduce((a, b) => a + b, 0);
  const wsNote = '50k corpus + fixture (1,000-artifact collection, 100 projects) as two folders';
  ctx.figure({ id: 'keystroke_p50', title: 'keystroke in 1,000-artifact file → its diagnostics, p50', size, unit: 'ms', values: ok.map((r) => r.keystroke.p50), target: { op: '<=', value: 10, text: 'p50 ≤ 10 ms' }, note: `${nk} keystrokes${lost ? `, ${lost} without a publish` : ''}; ${wsNote}; server debounce default` });
  ctx.figure({ id: 'keystroke_p90', title: 'keystroke in 1,000-artifact file → its diagnostics, p90', size, unit: 'ms', values: ok.map((r) => r.keystroke.p90), target: { op: '<=', value: 25, text: 'p90 ≤ 25 ms' } });
  ctx.figure({ id: 'fanout_100', title: 'rename used by 100 open files → all 100 updated', size, unit: 'ms', values: ok.map((r) => r.fanout.median), target: { op: '<=', value: 100, text: '≤ 100 ms' }, note: 'per-run median of break and restore edits' });
  const reqTargets = { hover: 5, definition: 5, references: 20, completion: 20 };
  for (const [kind, max] of Object.entries(reqTargets)) {
    ctx.figure({ id: `${kind}_p95`, title: `${kind} p95`, size, unit: 'ms', values: ok.map((r) => r.requests[kind].p95), target: { op: '<=', value: max, text: `p95 ≤ ${max} ms` }, note: `non-empty answers: ${ok.map((r) => `${r.requests[kind].nonEmpty}/${r.requests[kind].samples}`).join(', ')}` });
  }
  // Cache save, two figures: how long the save takes (the server's own account when it gives
  // one, else the stall a request saw while the file was written), and what a keystroke typed
  // during the save waits for (the probe in flight when the new file appeared). The target asks
  // for both: short, and off the keystroke path. Never a guess.
  const reported = ok.map((r) => r.save?.server?.lastSave?.ms).filter(Number.isFinite);
  const stalls = ok.map((r) => r.save?.stallMs).filter(Number.isFinite);
  const anySave = ok.some((r) => r.save?.detected);
  const image = ok.map((r) => r.save?.bytes).filter(Boolean).map((b) => `${(b / 2 ** 20).toFixed(0)} MiB`)[0] ?? '?';
  ctx.figure({
    id: 'cache_save',
    title: reported.length ? 'cache save after a burst of edits (server-reported duration)' : 'cache save after a burst of edits (event-loop stall while writing)',
    size,
    unit: 'ms',
    values: reported.length ? reported : stalls,
    target: { op: '<=', value: 50, text: '≤ 50 ms median' },
    na: reported.length || stalls.length ? undefined : anySave ? 'a save happened but no probe spanned it' : 'no cache save within 20 s of the burst',
    note: `server lastSave.ms: ${reported.length ? 'reported' : 'not reported for debounced saves'}; image ${image}`,
  });
  ctx.figure({
    id: 'cache_save_stall',
    title: 'request in flight while the cache file was written (keystroke path)',
    size,
    unit: 'ms',
    values: stalls,
    target: { op: '<=', value: 50, text: 'off the keystroke path (≤ 50 ms)' },
    na: stalls.length ? undefined : anySave ? 'a save happened but no probe spanned it' : 'no cache save within 20 s of the burst',
    note: 'latency of the probe request in flight when the new cache file appeared',
  });
  ctx.figure({ id: 'stall_after_ready', title: 'longest event-loop stall after ready (until the watcher is up)', size, unit: 'ms', values: ok.map((r) => r.afterReady?.maxStallMs), note: 'probe requests every 5 ms: what a keystroke or hover right after start waits for (first cache sync, watcher start)' });
  ctx.figure({ id: 'rss_steady', title: 'server memory steady (VmRSS, files open, idle)', size, unit: 'MiB', values: ok.map((r) => r.memSteady?.rss), target: { op: '<=', value: 200, text: '≤ 200 MiB' }, note: wsNote });
  ctx.figure({ id: 'rss_peak', title: 'server memory peak (VmHWM, whole session)', size, unit: 'MiB', values: ok.map((r) => r.memEnd?.hwm), target: { op: '<=', value: 250, text: '≤ 250 MiB' } });
}
