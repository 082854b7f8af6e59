/** Timestamps as SkillMeat reads them (Python's datetime.fromisoformat): calendar days included. */
import * as assert from 'node:assert/strict';
import { isIsoTimestamp } from '../../server/src/engine/model/fields';

describe('engine: ISO timestamps', () => {
  it('accepts real calendar days and refuses days a month does not have', () => {
    for (const ok of ['2024-02-29', '2000-02-29T00:00:00', '2026-01-31', '2026-04-30T23:59:59Z', '2026-12-31 10:00', '2026-03-02T08:15:44.123456+02:00']) assert.ok(isIsoTimestamp(ok), ok);
    for (const bad of ['2026-02-29', '1900-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '2026-01-01T24:00', '2026-01-01T10:60', 'yesterday']) assert.ok(!isIsoTimestamp(bad), bad);
  });
});
