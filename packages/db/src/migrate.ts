// Migrations from the one drizzle folder, applied on open, idempotently, on both backends.
// Concurrent openers serialise on an advisory lock so two processes never migrate at once.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import type { Sql } from 'postgres';

/** packages/db/drizzle from src/ and dist/; the packed CLI (scripts/pack.mjs) has it beside its bundle. */
const besideBundle = fileURLToPath(new URL('./drizzle', import.meta.url));
export const migrationsFolder = existsSync(`${besideBundle}/meta/_journal.json`) ? besideBundle : fileURLToPath(new URL('../drizzle', import.meta.url));

/** Arbitrary constant shared by every cqt process: the advisory-lock id of "migrating". */
const MIGRATION_LOCK_ID = 7_357_001;

interface Journal {
  entries: Array<{ idx: number; tag: string; when: number }>;
}

export function migrationJournal(): Journal {
  return JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as Journal;
}

/**
 * Applies pending migrations through a dedicated one-connection client (drizzle alters the type
 * handling of the client it wraps, so it must not share the caller's), holding the advisory lock.
 */
export async function runMigrations(connect: () => Sql): Promise<void> {
  const sql = connect();
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    try {
      await migrate(drizzle(sql), { migrationsFolder });
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export interface SchemaVersion {
  applied: number;
  known: number;
  latestTag: string | null;
  upToDate: boolean;
}

export async function schemaVersion(sql: Sql): Promise<SchemaVersion> {
  const journal = migrationJournal();
  const [{ exists }] = await sql<{ exists: boolean }[]>`
    select to_regclass('drizzle.__drizzle_migrations') is not null as exists`;
  const applied = exists ? (await sql<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`)[0].n : 0;
  const known = journal.entries.length;
  return { applied, known, latestTag: journal.entries[applied - 1]?.tag ?? null, upToDate: applied >= known };
}
