// One prune at a time. PostgreSQL: a session advisory lock on a connection reserved for the whole
// prune (released by the server if the process dies). The embedded store cannot use one: every
// client shares PGlite's single backend session, where advisory locks are re-entrant (a second
// prune would get it too) and outlive a crashed holder. There a lock file next to the store,
// naming its pid, serves; a file whose pid is dead is stale and taken over.
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { SqlClient } from '@cqt/checks';
import { RuntimeFailure } from '@cqt/config';
import { isAlive, type Db } from '@cqt/db';

/** pg_advisory_lock(int, int) key: 'cqt' and 1 = prune. */
export const PRUNE_LOCK_KEY = [0x637174, 1] as const;
export const LOCK_FILE = 'prune.lock';

const held = (by: string) =>
  new RuntimeFailure(`another prune is running (${by})`, 'wait for it to finish; prunes are serialised so batches never race');

/** Runs fn while holding the prune lock; deletes go through the client fn is given. */
export async function withPruneLock<T>(db: Db, fn: (sql: SqlClient) => Promise<T>): Promise<T> {
  if (db.backend === 'postgres') {
    const conn = await db.sql.reserve();
    try {
      const [{ ok }] = await conn`select pg_try_advisory_lock(${PRUNE_LOCK_KEY[0]}, ${PRUNE_LOCK_KEY[1]}) as ok`;
      if (!ok) throw held(`advisory lock (${PRUNE_LOCK_KEY.join(', ')}) is taken on ${db.location}`);
      try {
        return await fn(conn);
      } finally {
        await conn`select pg_advisory_unlock(${PRUNE_LOCK_KEY[0]}, ${PRUNE_LOCK_KEY[1]})`;
      }
    } finally {
      conn.release();
    }
  }
  const release = acquireLockFile(join(db.location, LOCK_FILE));
  try {
    return await fn(db.sql);
  } finally {
    release();
  }
}

interface Holder {
  pid: number;
  host: string;
  startedAtMs: number;
}

/**
 * Creates the lock file exclusively, taking over a stale one; returns its release. The file is
 * written aside and hard-linked into place, so no one ever reads a half-written lock.
 */
export function acquireLockFile(path: string): () => void {
  const mine: Holder = { pid: process.pid, host: hostname(), startedAtMs: Date.now() };
  const draft = `${path}.${process.pid}.tmp`;
  writeFileSync(draft, JSON.stringify(mine));
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (linkExclusive(draft, path)) {
        return () => {
          const holder = readHolder(path);
          if (holder?.pid === mine.pid && holder.startedAtMs === mine.startedAtMs) rmSync(path, { force: true });
        };
      }
      const holder = readHolder(path);
      if (holder && isAlive(holder)) throw held(`pid ${holder.pid} since ${new Date(holder.startedAtMs).toISOString()}, ${path}`);
      takeOverStale(path, holder);
    }
    throw held(path);
  } finally {
    rmSync(draft, { force: true });
  }
}

function linkExclusive(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

// Moves a stale lock aside. Only one contender's rename finds it; if what was moved is not the
// stale lock read before (another contender already replaced it), it is put back.
function takeOverStale(path: string, stale: Holder | null): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = readHolder(aside);
  if (stale && moved && (moved.pid !== stale.pid || moved.startedAtMs !== stale.startedAtMs)) renameSync(aside, path);
  else rmSync(aside, { force: true });
}

function readHolder(path: string): Holder | null {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as Holder;
    return Number.isInteger(holder.pid) ? holder : null;
  } catch {
    return null;
  }
}
