// Runs a suite against both backends: a fresh PostgreSQL database and a fresh embedded store.
import { afterAll, beforeAll, describe } from 'vitest';
import { openDb, type Db } from '@cqt/db';
import { createTestDatabase, type TestDatabase } from './pg.js';
import { tempDir } from './tmp.js';

export function describeBackends(name: string, body: (ctx: { db: () => Db; backend: 'postgres' | 'embedded' }) => void): void {
  describe.each(['postgres', 'embedded'] as const)(`${name} [%s]`, (backend) => {
    let db: Db;
    let pg: TestDatabase | null = null;
    let dir: ReturnType<typeof tempDir> | null = null;
    beforeAll(async () => {
      if (backend === 'postgres') {
        pg = await createTestDatabase();
        db = await openDb({ databaseUrl: pg.url });
      } else {
        dir = tempDir('cqt-db-');
        db = await openDb({ dataDir: dir.path });
      }
    });
    afterAll(async () => {
      await db?.close();
      await pg?.drop();
      dir?.remove();
    });
    body({ db: () => db, backend });
  });
}
