// Upgrading a store keeps its rows: a database migrated as an older cqt left it, holding
// feed_events rows, is brought up to date and still holds them, now under the extended key.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { afterAll, expect, it } from 'vitest';
import { migrationJournal, migrationsFolder, openDb, schemaVersion } from '../index.js';
import { createTestDatabase, type TestDatabase } from '@cqt/test-support/pg';
import { tempDir } from '@cqt/test-support/tmp';

const dir = tempDir('cqt-migrations-');
let pg: TestDatabase | undefined;
afterAll(async () => {
  await pg?.drop();
  dir.remove();
});

/** A migrations folder holding only the migrations up to and including `lastTag`. */
function foldersUpTo(lastTag: string): string {
  const journal = migrationJournal();
  const upTo = journal.entries.findIndex((e) => e.tag === lastTag);
  expect(upTo).toBeGreaterThanOrEqual(0);
  const out = join(dir.path, lastTag);
  mkdirSync(join(out, 'meta'), { recursive: true });
  const full = JSON.parse(readFileSync(join(migrationsFolder, 'meta/_journal.json'), 'utf8'));
  writeFileSync(join(out, 'meta/_journal.json'), JSON.stringify({ ...full, entries: full.entries.slice(0, upTo + 1) }));
  for (const e of journal.entries.slice(0, upTo + 1)) cpSync(join(migrationsFolder, `${e.tag}.sql`), join(out, `${e.tag}.sql`));
  return out;
}

it('0002 (feed_events keyed by collector too) keeps every existing feed_events row', async () => {
  pg = await createTestDatabase();
  const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
  try {
    await migrate(drizzle(sql), { migrationsFolder: foldersUpTo('0001_prediction_params') });
    await sql.unsafe(
      `insert into feed_events (ts, source, kind, symbol, detail)
       select '2026-11-23T00:00:00Z'::timestamptz + g * interval '1 ms', 'binance.ws', 'heartbeat', 'BTCUSDT', jsonb_build_object('n', g)
         from generate_series(1, 50) g`,
    );
  } finally {
    await sql.end();
  }

  const db = await openDb({ databaseUrl: pg.url }); // migrates to the newest
  try {
    expect((await schemaVersion(db.sql)).upToDate).toBe(true);
    const [r] = await db.sql`select count(*)::int as n, count(distinct detail)::int as d, min(collector) as lo, max(collector) as hi from feed_events`;
    expect(r).toEqual({ n: 50, d: 50, lo: '', hi: '' });
    const key = await db.sql`
      select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
       where i.indrelid = 'feed_events'::regclass and i.indisprimary order by array_position(i.indkey, a.attnum)`;
    expect(key.map((k) => k.attname)).toEqual(['ts', 'source', 'kind', 'collector']);
  } finally {
    await db.close();
  }
});
