import * as path from 'node:path';
import type { RuleContext } from './context';
import type { DeployedModel, DeployedRecord } from '../../model/deployed';
import type { SourceFile } from '../../workspace/sourceFile';
import type { Diagnostic } from '../diagnostic';
import { DiagnosticSink } from '../sink';
import { isUuid, stripExtension } from '../../model/identity';
import { closestNames } from '../../workspace/suggest';
import { collectionInterface } from '../../workspace/index';
import { resolveInside, checkContainer } from './paths';
import { lockEntryFor } from '../../model/lock';
import { reportUnknown } from './references';

const HASH = /^[0-9a-fA-F]{64}$/;

/**
 * Findings of a deployed file that need no other file (paths, duplicates, hashes, profile root,
 * uuid shape), per record, computed once per model: a rename in a collection re-checks every
 * deployed file naming it, and these cannot have changed.
 */
const LOCAL = new WeakMap<DeployedModel, Diagnostic[][]>();

/**
 * Per record, what its resolution into a collection read (a list of values) and what it found.
 * When its file is re-checked and the record reads the same, it keeps its findings: after a
 * rename, only the records naming the renamed artifact are resolved into messages again.
 */
const RESOLVED = new WeakMap<DeployedRecord, { read: unknown[]; findings: Diagnostic[] }>();

function label(r: DeployedRecord): string {
  return r.name ? `deployed ${r.type?.value ?? 'artifact'} "${r.name.value}"` : 'a deployed record';
}

/** Rules on deployed records: paths inside the profile root, identity, hashes, and resolution into collections. */
export function checkDeployment(ctx: RuleContext, { source, model }: { source: SourceFile; model: DeployedModel }): void {
  const sink = ctx.sink(source);
  let local = LOCAL.get(model);
  if (!local) LOCAL.set(model, (local = localFindings(source, model)));
  for (let i = 0; i < model.records.length; i++) {
    const r = model.records[i];
    for (const d of local[i]) sink.items.push(d);
    const read = resolutionReads(ctx, r);
    const known = RESOLVED.get(r);
    if (known && sameValues(known.read, read)) {
      for (const d of known.findings) sink.items.push(d);
      continue;
    }
    const before = sink.items.length;
    resolveRecord(ctx, sink, r);
    RESOLVED.set(r, { read, findings: sink.items.slice(before) });
  }
}

function sameValues(a: unknown[], b: unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The findings of each record that depend on its file alone, in the order the rules report them. */
function localFindings(source: SourceFile, model: DeployedModel): Diagnostic[][] {
  const out: Diagnostic[][] = [];
  const seen = new Map<string, DeployedRecord>();
  const folder = path.basename(model.profileRoot);
  for (const r of model.records) {
    const sink = new DiagnosticSink(source.file, source.lines);
    out.push(sink.items);
    const what = label(r);
    if (r.artifactPath) {
      const v = resolveInside(model.profileRoot, r.artifactPath.value);
      if (!v.ok) {
        sink.add('path-escapes-root', r.artifactPath.span, `artifact_path "${r.artifactPath.value}" ${v.why}; it must stay inside the profile root ${folder}/`, { severity: 'error' });
      } else if (r.type) {
        checkContainer(r.artifactPath, r.type.value, sink, 'profile root');
      }
    }
    if (r.name && r.type) {
      const key = `${stripExtension(r.name.value)}\u0000${r.type.value}\u0000${r.profileId?.value ?? 'claude_code'}`;
      const first = seen.get(key);
      if (first) {
        sink.add('duplicate-deployment', r.name.span, `${what} is deployed twice to profile "${r.profileId?.value ?? 'claude_code'}" (first at line ${source.lines.positionAt(first.name!.span.start).line + 1}); SkillMeat keeps one`);
      } else seen.set(key, r);
    }
    for (const h of [r.contentHash, r.collectionSha]) {
      if (h && !HASH.test(h.value)) sink.add('invalid-hash', h.span, `hash "${h.value}" is not a SHA-256 (64 hex digits)`);
    }
    if (r.contentHash && r.collectionSha && HASH.test(r.contentHash.value) && r.contentHash.value !== r.collectionSha.value) {
      sink.add('invalid-hash', r.collectionSha.span, 'collection_sha differs from content_hash; SkillMeat rewrites it to content_hash and reads content_hash');
    }
    if (r.profileRootDir && r.profileRootDir.value !== folder) {
      sink.add('profile-root-mismatch', r.profileRootDir.span, `profile_root_dir is "${r.profileRootDir.value}" but this file is in "${folder}"`, { data: { replacement: JSON.stringify(folder) } });
    }
    if (r.uuid && !isUuid(r.uuid.value)) {
      sink.add('invalid-uuid', r.uuid.span, `artifact_uuid "${r.uuid.value}" must be 32 lower-case hex digits without dashes`);
    }
  }
  return out;
}

/**
 * Everything `resolveRecord` reads outside the record, as values: whether there are
 * collections; for an unknown collection, the known names; for a missing artifact, the
 * collection's whole interface (the did-you-mean reads every name); for a found one, its
 * identity and its lock hash; for a record found by uuid alone, whether the uuid is known.
 */
function resolutionReads(ctx: RuleContext, r: DeployedRecord): unknown[] {
  const index = ctx.index;
  if (index.collections.length === 0 || !r.fromCollection || r.fromCollection.value === 'enterprise') return [];
  const cols = index.byName.get(r.fromCollection.value);
  if (!cols) return ['unknown', index.collectionNames];
  const c = cols[0];
  if (r.name && r.type) {
    const site = index.resolve(c, r.type.value, r.name.value);
    if (!site) return ['missing', collectionInterface(c)];
    const lockEntry = c.lock ? lockEntryFor(c.lock.model, site.type, site.name) : undefined;
    return ['found', site.type, site.name, site.entry.uuid?.value, lockEntry?.contentHash?.value];
  }
  if (r.uuid && isUuid(r.uuid.value)) return ['uuid', index.byUuid.has(r.uuid.value)];
  return [];
}

/** The findings of a record that depend on the collections: unknown collection or artifact, uuid and lock hash disagreements. */
function resolveRecord(ctx: RuleContext, sink: DiagnosticSink, r: DeployedRecord): void {
  if (ctx.index.collections.length === 0 || !r.fromCollection || r.fromCollection.value === 'enterprise') return;
  const what = label(r);
  const cols = ctx.index.byName.get(r.fromCollection.value);
  if (!cols) {
    const s = closestNames(r.fromCollection.value, ctx.index.byName.keys());
    sink.add('unknown-collection', r.fromCollection.span, `from_collection "${r.fromCollection.value}" names no known collection${s.length ? ` (did you mean "${s[0]}"?)` : ''}; known: ${[...ctx.index.byName.keys()].join(', ')}`, { data: { suggestions: s } });
    return;
  }
  const c = cols[0];
  if (r.name && r.type) {
    const site = ctx.index.resolve(c, r.type.value, r.name.value);
    if (!site) {
      reportUnknown(ctx.index, c, sink, r.name, r.type.value, r.name.value, what, 'type:name');
      return;
    }
    if (r.uuid && isUuid(r.uuid.value) && site.entry.uuid && site.entry.uuid.value !== r.uuid.value) {
      sink.add('unresolved-uuid', r.uuid.span, `artifact_uuid ${r.uuid.value} is not the uuid of ${site.type}:${site.name} in collection "${c.name}" (${site.entry.uuid.value})`, { data: { replacement: JSON.stringify(site.entry.uuid.value) } });
    }
    const hash = r.contentHash ?? r.collectionSha;
    const lockEntry = c.lock ? lockEntryFor(c.lock.model, site.type, site.name) : undefined;
    if (hash && lockEntry?.contentHash && lockEntry.contentHash.value !== hash.value) {
      sink.add('hash-not-in-lock', hash.span, `${what} is at ${hash.value.slice(0, 12)}…, but collection "${c.name}" is now at ${lockEntry.contentHash.value.slice(0, 12)}… (its lock): the deployment is behind or locally changed`);
    }
  } else if (r.uuid && isUuid(r.uuid.value) && !ctx.index.byUuid.has(r.uuid.value)) {
    sink.add('unresolved-uuid', r.uuid.span, `artifact_uuid ${r.uuid.value} matches no artifact`);
  }
}
