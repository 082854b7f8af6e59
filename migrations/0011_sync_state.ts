// What the manifest → cache sync needs to be incremental and to keep user data apart from
// derived data: the text hash of each manifest as last synced, and whether a composite
// membership was discovered from a plugin folder (replaced on every sync) or made by the user
// (kept until unlinked).
import type { Migration } from './types';

/** sync_state and composite_memberships.source. */
export const m0011: Migration = {
  id: '0011_sync_state',
  description: 'sync_state (manifest text hashes) and composite_memberships.source (discovered | user)',
  up: [
    `CREATE TABLE sync_state (
  manifest_path TEXT PRIMARY KEY NOT NULL,
  text_hash TEXT NOT NULL,
  synced_at TEXT NOT NULL
) WITHOUT ROWID`,
    "ALTER TABLE composite_memberships ADD COLUMN source TEXT NOT NULL DEFAULT 'user' CHECK (source IN ('discovered', 'user'))",
  ],
  down: ['ALTER TABLE composite_memberships DROP COLUMN source', 'DROP TABLE sync_state'],
};
