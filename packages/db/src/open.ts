// openDb(): one handle over either backend. DATABASE_URL → a PostgreSQL server through
// postgres.js; otherwise the embedded PGlite store, reached through its owner's socket (this
// process may be that owner). Either way callers get the same postgres.js `sql`, so every query,
// transaction and writer path is shared; migrations run on open.
import { resolve } from 'node:path';
import postgres, { type Options, type Sql } from 'postgres';
import { RuntimeFailure, maskUrl } from '@cqt/config';
import { connectToStore, openEmbedded, type EmbeddedHandle, type EmbeddedOptions } from './embedded/store.js';
import { isDataError } from './errors.js';
import { runMigrations } from './migrate.js';

export type Backend = 'postgres' | 'embedded';

export interface Db {
  backend: Backend;
  /** 'server' for PostgreSQL; 'owner' or 'client' of the embedded store (a client may become owner). */
  role(): 'server' | 'owner' | 'client';
  /** Printable: masked URL or data dir. */
  location: string;
  /** postgres.js client for SQL and bulk writes. */
  sql: Sql;
  close(): Promise<void>;
}

export interface OpenDbOptions {
  /** PostgreSQL URL; when absent the embedded store in dataDir is used. */
  databaseUrl?: string;
  dataDir?: string;
  /** Pool size of the postgres.js client. */
  maxConnections?: number;
  embedded?: EmbeddedOptions;
  /** Skip migrations (for `cqt db status` on a store someone else migrates). Default false. */
  skipMigrations?: boolean;
  /**
   * Embedded store: only connect through the owner's socket, never take the lock or the store
   * over. For a worker thread of a process that may itself own the store: the owner lock tells
   * processes apart, not threads, so such a thread would take its own process's lock for stale.
   */
  clientOnly?: boolean;
}

const quiet: Options<Record<string, never>> = { onnotice: () => {} };

export async function openDb(options: OpenDbOptions): Promise<Db> {
  return options.databaseUrl ? openServer(options.databaseUrl, options) : openEmbeddedDb(options.dataDir ?? './data/cqt-db', options);
}

async function openServer(url: string, options: OpenDbOptions): Promise<Db> {
  const location = maskUrl(url);
  const connect = (max: number) => postgres(url, { ...quiet, max, connect_timeout: 10 });
  const sql = connect(options.maxConnections ?? 10);
  try {
    await sql`select 1`;
    if (!options.skipMigrations) await runMigrations(() => connect(1));
  } catch (err) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw new RuntimeFailure(
      `cannot use PostgreSQL at ${location}: ${(err as Error).message}`,
      'check DATABASE_URL and that the server is running (unset DATABASE_URL for the embedded store)',
      err,
    );
  }
  return makeDb('postgres', location, sql, async () => {});
}

async function openEmbeddedDb(dataDir: string, options: OpenDbOptions): Promise<Db> {
  // Each new connection asks the lock where the owner serves: one that took over may serve
  // elsewhere. postgres.js takes a socket factory (`socket`) its type declarations leave out.
  const storeDir = resolve(dataDir);
  const storeSocket = { socket: () => connectToStore(storeDir) } as Options<Record<string, never>>;
  const connect = (max: number) => postgres({ ...quiet, ...storeSocket, max, connect_timeout: 10 });
  const sql = connect(options.maxConnections ?? 4);
  if (options.clientOnly) {
    try {
      await sql`select 1`;
    } catch (err) {
      await sql.end({ timeout: 1 }).catch(() => {});
      throw new RuntimeFailure(`the embedded store in ${storeDir} is not answering: ${(err as Error).message}`, 'is its owner (a cqt process on this data dir) running?', err);
    }
    const client = makeDb('embedded', storeDir, sql, async () => {});
    client.role = () => 'client';
    return client;
  }
  let handle: EmbeddedHandle | undefined;
  try {
    handle = await openEmbedded(dataDir, {
      ...options.embedded,
      prepare: options.skipMigrations ? undefined : () => runMigrations(() => connect(1)),
    });
    await reachable(sql, options.embedded?.waitMs ?? 60_000, handle);
  } catch (err) {
    await sql.end({ timeout: 1 }).catch(() => {});
    // Stop watching the owner (and serve nothing, should this process have taken over meanwhile).
    await handle?.close().catch(() => {});
    throw err;
  }
  const opened = handle;
  const db = makeDb('embedded', opened.dataDir, sql, () => opened.close());
  db.role = () => opened.role();
  return db;
}

/**
 * Waits until the store answers. The owner may exit between our lock check and our first query
 * (a short-lived `cqt db status` owning a new store, say); meanwhile this process's watcher takes
 * the store over, so a refused or vanished socket is retried rather than fatal.
 */
async function reachable(sql: Sql, waitMs: number, handle: EmbeddedHandle): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await sql`select 1`;
      return;
    } catch (err) {
      if (isDataError(err) || Date.now() > deadline) {
        const owner = handle.lockInfo();
        throw new RuntimeFailure(
          `the embedded store in ${handle.dataDir} is not answering${owner ? ` (owner: pid ${owner.pid} on ${owner.host})` : ''}: ${(err as Error).message}`,
          `if no cqt process is running, delete ${handle.lockPath}`,
          err,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function makeDb(backend: Backend, location: string, sql: Sql, closeBackend: () => Promise<void>): Db {
  return {
    backend,
    role: () => 'server',
    location,
    sql,
    async close() {
      await sql.end({ timeout: 5 });
      await closeBackend();
    },
  };
}
