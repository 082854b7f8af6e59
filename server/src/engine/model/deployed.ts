import * as path from 'node:path';
import type { TomlTable } from '../toml/ast';
import type { DiagnosticSink } from '../diagnostics/sink';
import { type Field, type ListField, checkEnum, readBoolean, readString, readStringList, readTableArray, readTimestamp } from './fields';
import { PLATFORMS } from './vocabulary';

/** One `[[deployed]]` record. */
export interface DeployedRecord {
  table: TomlTable;
  name?: Field<string>;
  type?: Field<string>;
  fromCollection?: Field<string>;
  deployedAt?: Field<string>;
  artifactPath?: Field<string>;
  contentHash?: Field<string>;
  collectionSha?: Field<string>;
  versionLineage?: ListField;
  profileId?: Field<string>;
  platform?: Field<string>;
  profileRootDir?: Field<string>;
  uuid?: Field<string>;
}

/** A `<profile root>/.skillmeat-deployed.toml`, lowered. */
export interface DeployedModel {
  kind: 'deployed';
  file: string;
  /** The profile root folder (e.g. `<project>/.claude`). */
  profileRoot: string;
  /** The project folder (the profile root's parent). */
  projectDir: string;
  records: DeployedRecord[];
}

/** Lowers a parsed deployed file, reporting shape errors and records SkillMeat would reject. */
export function lowerDeployed(file: string, root: TomlTable, sink: DiagnosticSink): DeployedModel {
  const profileRoot = path.dirname(file);
  const model: DeployedModel = { kind: 'deployed', file, profileRoot, projectDir: path.dirname(profileRoot), records: [] };
  for (const t of readTableArray(root, 'deployed', '.skillmeat-deployed.toml', sink)) {
    const name = readString(t, 'artifact_name', 'a [[deployed]] record', sink, true);
    const where = name ? `deployed record "${name.value}"` : 'a [[deployed]] record';
    const rec: DeployedRecord = {
      table: t,
      name,
      type: readString(t, 'artifact_type', where, sink, true),
      fromCollection: readString(t, 'from_collection', where, sink, true),
      deployedAt: readTimestamp(t, 'deployed_at', where, sink, true),
      artifactPath: readString(t, 'artifact_path', where, sink, true),
      contentHash: readString(t, 'content_hash', where, sink),
      collectionSha: readString(t, 'collection_sha', where, sink),
      versionLineage: readStringList(t, 'version_lineage', where, sink),
      profileId: readString(t, 'deployment_profile_id', where, sink),
      platform: readString(t, 'platform', where, sink),
      profileRootDir: readString(t, 'profile_root_dir', where, sink),
      uuid: readString(t, 'artifact_uuid', where, sink),
    };
    // An unknown platform makes SkillMeat fail to load the whole file, hence an error.
    checkEnum(rec.platform, PLATFORMS, 'platform', sink);
    readBoolean(t, 'local_modifications', where, sink);
    readString(t, 'parent_hash', where, sink);
    readString(t, 'merge_base_snapshot', where, sink);
    readTimestamp(t, 'last_modified_check', where, sink);
    readTimestamp(t, 'modification_detected_at', where, sink);
    readString(t, 'enterprise_version', where, sink);
    readStringList(t, 'enterprise_files', where, sink);
    if (!rec.contentHash && !rec.collectionSha && !t.entries.has('content_hash') && !t.entries.has('collection_sha')) {
      sink.add('missing-content-hash', t.headerSpan ?? t.span, `${where} has neither content_hash nor collection_sha; SkillMeat rejects such a record`);
    }
    model.records.push(rec);
  }
  return model;
}
