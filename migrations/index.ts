// The ordered migration chain. A static list, because bundlers cannot discover files at run
// time; append only — the runner refuses databases whose history is not a prefix of this.
import { m0001 } from './0001_legacy_schema';
import { m0002 } from './0002_artifact_uuid';
import { m0003 } from './0003_composites';
import { m0004 } from './0004_collection_artifacts_uuid';
import { m0005 } from './0005_group_artifacts_uuid';
import { m0006 } from './0006_artifact_tags_uuid';
import { m0007 } from './0007_tags_json_to_junction';
import { m0008 } from './0008_versions_and_files';
import { m0009 } from './0009_drop_shadow_columns';
import { m0010 } from './0010_cache_state';
import { m0011 } from './0011_sync_state';
import type { Migration } from './types';

export type { Migration, MigrationContext, MigrationDb, MigrationStatement, MigrationStep, RebuildStep, ScriptStep, Row, SqlValue } from './types';

/** Every migration this build knows, oldest first. */
export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009, m0010, m0011];
