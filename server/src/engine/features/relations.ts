/**
 * What the workspace knows around one artifact: the places that name it, the groups and
 * composites it is in, its deployments and lock entry, and its primary file on disk.
 */
import * as path from 'node:path';
import type { Host } from '../host';
import type { ArtifactSite, CollectionInfo, WorkspaceIndex } from '../workspace/index';
import type { SourceFile } from '../workspace/sourceFile';
import type { Span } from '../text/lineIndex';
import type { Field } from '../model/fields';
import type { DeployedModel, DeployedRecord } from '../model/deployed';
import type { GroupEntry, LinkedArtifact } from '../model/collection';
import { type LockEntry, lockEntryFor } from '../model/lock';
import type { DiscoveredComposite } from '../workspace/composites';
import { lookupKey, parseRef, stripExtension } from '../model/identity';
import { ARTIFACT_TYPES, PRIMARY_FILES, isOneOf } from '../model/vocabulary';
import { resolveInside } from '../diagnostics/rules/paths';
import { subSpan } from './text';
import type { Cancel } from './types';

/** How a place names an artifact. */
export type RefRole = 'definition' | 'member' | 'linked-id' | 'linked-name' | 'lock' | 'deployed' | 'skip' | 'uuid';

/** One place naming an artifact. */
export interface ArtifactRef {
  source: SourceFile;
  role: RefRole;
  field: Field<string>;
  /** The whole string (or key) naming it. */
  span: Span;
  /** The name part inside it; the whole literal when the text has escapes (`exact` false). */
  nameSpan: Span;
  exact: boolean;
  /** The name as written there (with its extension, for deployed names). */
  writtenName: string;
  /** Offset of the name inside the field's value (for rebuilding the value on rename). */
  nameOffset: number;
}

/** Whether a type and name designate this artifact (names compared without their extension). */
export function sameArtifact(site: ArtifactSite, type: string, name: string): boolean {
  return lookupKey(type, name) === lookupKey(site.type, site.name);
}

/** The collection a deployed record or a `from_collection` name points at (the first of that name). */
export function collectionNamed(index: WorkspaceIndex, name: string | undefined): CollectionInfo | undefined {
  return name === undefined ? undefined : index.byName.get(name)?.[0];
}

/** The type a linked artifact resolves with: its artifact_type when known, else `skill` as SkillMeat reads it. */
export function linkedType(l: LinkedArtifact): string {
  return l.type && isOneOf(ARTIFACT_TYPES, l.type.value) ? l.type.value : 'skill';
}

function ref(source: SourceFile, role: RefRole, field: Field<string>, nameOffset: number, nameLength: number): ArtifactRef {
  const s = subSpan(source, field, nameOffset, nameOffset + nameLength);
  return { source, role, field, span: field.span, nameSpan: s.span, exact: s.exact, writtenName: field.value.slice(nameOffset, nameOffset + nameLength), nameOffset };
}

/** A reference made with a `type:name` string (group member, artifact_id, skip key), if it names the artifact. */
function typedRef(source: SourceFile, role: RefRole, field: Field<string> | undefined, site: ArtifactSite): ArtifactRef | undefined {
  if (!field) return undefined;
  const r = parseRef(field.value);
  if (!r || !sameArtifact(site, r.type, r.name)) return undefined;
  return ref(source, role, field, r.nameOffset, r.name.length);
}

/** A reference by a bare name whose extension is kept (deployed names, linked names): the name part is the stripped one. */
function bareRef(source: SourceFile, role: RefRole, field: Field<string>): ArtifactRef {
  return ref(source, role, field, 0, stripExtension(field.value).length);
}

/** Every place in the workspace naming an artifact, its definition first. */
export function referencesOf(index: WorkspaceIndex, site: ArtifactSite, cancel?: Cancel): ArtifactRef[] {
  const c = site.collection;
  const out: ArtifactRef[] = [];
  // Duplicate entries of the same type:name are all the artifact's definitions.
  for (const s of c.byKey.get(lookupKey(site.type, site.name)) ?? []) {
    if (s.entry.name) out.push(ref(c.source, 'definition', s.entry.name, 0, s.entry.name.value.length));
  }
  for (const g of c.model.groups) for (const m of g.members?.items ?? []) push(out, typedRef(c.source, 'member', m, site));
  for (const a of c.model.artifacts) {
    for (const l of a.linked) {
      push(out, typedRef(c.source, 'linked-id', l.id, site));
      if (l.name && sameArtifact(site, linkedType(l), l.name.value)) out.push(bareRef(c.source, 'linked-name', l.name));
    }
  }
  if (c.lock) {
    for (const e of c.lock.model.entries) {
      if (e.name !== undefined && e.type !== undefined && sameArtifact(site, e.type, e.name)) out.push(ref(c.lock.source, 'lock', e.key, 0, e.name.length));
    }
  }
  if (cancel?.isCancellationRequested) return out;
  const deployed = deployedRecords(index);
  for (const d of deployed.naming(site)) out.push(bareRef(d.source, 'deployed', d.record.name!));
  const uuid = site.entry.uuid?.value;
  if (uuid) for (const d of deployed.byUuid.get(uuid) ?? []) out.push(ref(d.source, 'uuid', d.record.uuid!, 0, uuid.length));
  for (const sf of index.others) {
    if (sf.model?.kind !== 'skip-prefs') continue;
    for (const s of sf.model.skips) {
      const r = s.key && parseRef(s.key.value);
      if (r && index.resolveAnywhere(r.type, r.name).includes(site)) push(out, typedRef(sf, 'skip', s.key, site));
    }
  }
  // Definitions, then the collection file, then other files by path, each in text order.
  const rank = (r: ArtifactRef): string => `${r.role === 'definition' ? 0 : r.source === c.source ? 1 : 2}\u0000${r.source.file}`;
  return out.sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : a.span.start - b.span.start));
}

function push<T>(list: T[], v: T | undefined): void {
  if (v !== undefined) list.push(v);
}

/** The groups of its collection listing the artifact. */
export function groupsOf(site: ArtifactSite): GroupEntry[] {
  return site.collection.model.groups.filter((g) =>
    g.members?.items.some((m) => {
      const r = parseRef(m.value);
      return r !== undefined && sameArtifact(site, r.type, r.name);
    }),
  );
}

/** The composites of its collection that contain the artifact. */
export function parentsOf(site: ArtifactSite): DiscoveredComposite[] {
  return site.collection.composites.filter((k) => k.children.some((ch) => sameArtifact(site, ch.type, ch.name)));
}

/** For a composite artifact, the composite discovered on disk under its name or path. */
export function compositeOf(site: ArtifactSite): DiscoveredComposite | undefined {
  if (site.type !== 'composite') return undefined;
  const c = site.collection;
  const byPath = site.entry.path ? path.resolve(c.model.dir, site.entry.path.value) : undefined;
  return c.composites.find((k) => k.name === stripExtension(site.name)) ?? c.composites.find((k) => k.dir === byPath);
}

/** The lock entry of the artifact in its collection's lock, if any. */
export function lockEntryOf(site: ArtifactSite): LockEntry | undefined {
  const lock = site.collection.lock;
  return lock && lockEntryFor(lock.model, site.type, site.name);
}

/** A deployed record with its file, numbered in workspace order (deployed files, then records). */
interface DeployedRecordAt {
  source: SourceFile;
  model: DeployedModel;
  record: DeployedRecord;
  seq: number;
}

/** Deployed records by the artifact they name and by uuid, and project names by profile root. */
interface DeployedRecords {
  byArtifact: Map<CollectionInfo, Map<string, DeployedRecordAt[]>>;
  byUuid: Map<string, DeployedRecordAt[]>;
  projects: Map<string, string>;
  /** Records naming the artifact by type and name in its collection (from_collection resolved as the rules do). */
  naming(site: ArtifactSite): DeployedRecordAt[];
}

const DEPLOYED = new WeakMap<WorkspaceIndex, DeployedRecords>();

/**
 * The reverse index of deployed records, built once per workspace index: a hover or a code lens
 * otherwise walked every record of every deployed file to find one artifact's deployments.
 */
function deployedRecords(index: WorkspaceIndex): DeployedRecords {
  let r = DEPLOYED.get(index);
  if (r) return r;
  const byArtifact = new Map<CollectionInfo, Map<string, DeployedRecordAt[]>>();
  const byUuid = new Map<string, DeployedRecordAt[]>();
  let seq = 0;
  for (const d of index.deployments) {
    for (const record of d.model.records) {
      const at: DeployedRecordAt = { source: d.source, model: d.model, record, seq: seq++ };
      const c = record.name && record.type ? collectionNamed(index, record.fromCollection?.value) : undefined;
      if (c) {
        let m = byArtifact.get(c);
        if (!m) byArtifact.set(c, (m = new Map()));
        push2(m, lookupKey(record.type!.value, record.name!.value), at);
      }
      if (record.uuid) push2(byUuid, record.uuid.value, at);
    }
  }
  const projects = new Map<string, string>();
  for (const sf of index.others) {
    if (sf.model?.kind !== 'project' || !sf.model.name) continue;
    const root = path.dirname(sf.file);
    if (!projects.has(root)) projects.set(root, sf.model.name.value);
  }
  r = { byArtifact, byUuid, projects, naming: (site) => byArtifact.get(site.collection)?.get(lookupKey(site.type, site.name)) ?? [] };
  DEPLOYED.set(index, r);
  return r;
}

function push2<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

/** One deployment of an artifact into a project. */
export interface Deployment {
  source: SourceFile;
  model: DeployedModel;
  record: DeployedRecord;
  /** The project's name (from its .skillmeat-project.toml) or its folder name. */
  project: string;
  profile: string;
  profileRoot: string;
  hash?: string;
  lockHash?: string;
  /** `current` when the deployed hash is the lock's, `behind` when it differs, `unknown` without a hash or lock. */
  drift: 'current' | 'behind' | 'unknown';
}

/** Every deployed record of the artifact (by type and name, or else by uuid), with the project, profile and version drift against the lock. */
export function deploymentsOf(index: WorkspaceIndex, site: ArtifactSite): Deployment[] {
  const deployed = deployedRecords(index);
  const byName = deployed.naming(site);
  let found = byName;
  const uuid = site.entry.uuid?.value;
  const byUuid = uuid ? (deployed.byUuid.get(uuid) ?? []).filter((d) => !byName.includes(d)) : [];
  if (byUuid.length) found = [...byName, ...byUuid].sort((a, b) => a.seq - b.seq);
  const lockHash = lockEntryOf(site)?.contentHash?.value;
  return found.map(({ source, model, record: r }) => {
    const hash = (r.contentHash ?? r.collectionSha)?.value;
    return {
      source,
      model,
      record: r,
      project: deployed.projects.get(model.profileRoot) ?? path.basename(model.projectDir),
      profile: r.profileId?.value ?? 'claude_code',
      profileRoot: path.basename(model.profileRoot),
      hash,
      lockHash,
      drift: !hash || !lockHash ? 'unknown' : hash === lockHash ? 'current' : 'behind',
    };
  });
}

/** The artifact's primary file (SKILL.md, the command's .md, plugin.json…) on disk, if it exists inside the collection. */
export function primaryFileOf(host: Host, site: ArtifactSite): string | undefined {
  const p = site.entry.path?.value;
  if (p === undefined) return undefined;
  return primaryFileAt(host, site.collection.model.dir, p, site.type);
}

/** The file a manifest path leads to inside a root: the file itself, or a folder's primary file. */
export function primaryFileAt(host: Host, root: string, rel: string, type: string | undefined): string | undefined {
  const v = resolveInside(root, rel, host);
  if (!v.ok) return undefined;
  const st = host.stat(v.full);
  if (!st) return undefined;
  if (st.kind === 'file') return v.full;
  if (st.kind !== 'directory') return undefined;
  const names = type && PRIMARY_FILES[type] ? PRIMARY_FILES[type] : Object.values(PRIMARY_FILES).flat();
  for (const n of names.flatMap((x) => [x, x.toLowerCase()])) {
    const f = path.join(v.full, n);
    if (host.stat(f)?.kind === 'file') return f;
  }
  return undefined;
}
