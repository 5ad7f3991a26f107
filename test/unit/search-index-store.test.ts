import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteSearchIndex } from '../../src-main/adapters/store/sqlite-search-index';
import { searchIndexConformance } from '../helpers/search-index-conformance';

// The SQLite FTS5 index of one workstation; the team store's passes the same (integration/team-search-index).
searchIndexConformance('the SQLite search index', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'helpdesk-index-unit-'));
  const index = new SqliteSearchIndex(join(dir, 'i.sqlite'), randomBytes(32));
  return {
    index,
    close: async () => {
      await index.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
