// Which unhandled rejections a worker survives: a statement lost with its connection (PostgreSQL
// terminated it, or postgres.js ended or destroyed it) is nobody's to handle — the job stays
// active until its expiry and is retried, its result stored once. Anything else ends the process.
// The errors here are real ones, produced against the local PostgreSQL server.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDb, type Db } from '@cqt/db';
import { createTestDatabase, type TestDatabase } from '@cqt/test-support/pg';
import { waitFor } from '@cqt/test-support/wait';
import { lostWithConnection } from '../index.js';

let pg: TestDatabase;
let db: Db;
beforeAll(async () => {
  pg = await createTestDatabase();
  db = await openDb({ databaseUrl: pg.url });
});
afterAll(async () => {
  await db?.close();
  await pg?.drop();
});

const errorOf = async (p: Promise<unknown>): Promise<unknown> => p.then(() => new Error('no error'), (err: unknown) => err);

it('a statement whose connection PostgreSQL terminated (57P01, as on a server restart) is survived', async () => {
  const sleeping = errorOf(db.sql`select pg_sleep(30)`.execute());
  // Another store handle terminates the connection that sleeps.
  const admin = await openDb({ databaseUrl: pg.url });
  await waitFor('the sleeping statement', async () => (await admin.sql`select 1 from pg_stat_activity where query like 'select pg_sleep%'`).length > 0);
  await admin.sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query like 'select pg_sleep%'`;
  await admin.close();
  const err = await sleeping;
  // Read as the server's FATAL 57P01 or as the socket's close, whichever postgres.js sees first.
  expect(['57P01', 'CONNECTION_CLOSED']).toContain((err as { code?: string }).code);
  expect(lostWithConnection(err)).toBe(true);
});

it('a statement on a pool postgres.js has ended (CONNECTION_ENDED) is survived', async () => {
  const other = await openDb({ databaseUrl: pg.url });
  const { sql } = other;
  await sql`select 1`;
  await other.close();
  const err = await errorOf(sql`select 1`.execute());
  expect((err as { code?: string }).code).toBe('CONNECTION_ENDED');
  expect(lostWithConnection(err)).toBe(true);
});

it('a statement PostgreSQL refused (a syntax error), a plain error and a non-error are not survived', async () => {
  const err = await errorOf(db.sql.unsafe('selec 1'));
  expect((err as { code?: string }).code).toBe('42601');
  expect(lostWithConnection(err)).toBe(false);
  expect(lostWithConnection(new Error('terminating connection due to administrator command'))).toBe(false);
  expect(lostWithConnection('57P01')).toBe(false);
  expect(lostWithConnection(undefined)).toBe(false);
});
