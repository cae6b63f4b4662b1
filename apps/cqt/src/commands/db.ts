import { formatAge, formatTable, loadConfig } from '@cqt/config';
import { dbStatus, openDb, schemaVersion, type Db } from '@cqt/db';
import { cli } from '../output.js';

export interface DbCommandOptions {
  databaseUrl?: string;
  dataDir?: string;
  json?: boolean;
}

async function withDb<T>(opts: DbCommandOptions, fn: (db: Db) => Promise<T>): Promise<T> {
  const { values } = loadConfig({ flags: { databaseUrl: opts.databaseUrl, dataDir: opts.dataDir } });
  const db = await openDb({ databaseUrl: values.databaseUrl, dataDir: values.dataDir });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export async function migrateCommand(opts: DbCommandOptions): Promise<void> {
  // Opening applies pending migrations under an advisory lock.
  const result = await withDb(opts, async (db) => ({ backend: db.backend, location: db.location, schema: await schemaVersion(db.sql) }));
  await cli.emit(
    {
      exitCode: 0,
      json: result,
      human: () => `${result.backend} ${result.location}: schema ${result.schema.applied}/${result.schema.known} migrations applied (${result.schema.latestTag})`,
    },
    opts,
  );
}

export async function statusCommand(opts: DbCommandOptions): Promise<void> {
  const status = await withDb(opts, dbStatus);
  const { schema } = status;
  await cli.emit(
    {
      exitCode: 0,
      json: status,
      human({ colour }) {
        const head = `backend  ${status.backend} (${status.role})\nlocation ${status.location}\nschema   ${schema.applied}/${schema.known} migrations applied${schema.upToDate ? '' : ' — run `cqt db migrate`'}`;
        const nowMs = Date.now();
        const rows = status.tables.map((t) => [t.table, String(t.rows), t.newestTs?.toISOString() ?? '-', formatAge(t.newestTs ? Math.max(0, (nowMs - t.newestTs.getTime()) / 1000) : null)]);
        return `${head}\n${formatTable(['table', 'rows', 'newest ts (UTC)', 'age'], rows, colour)}`;
      },
    },
    opts,
  );
}
