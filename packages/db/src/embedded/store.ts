// The embedded store: PGlite in <dataDir>/pgdata, owned by one process that serves it on a Unix
// socket. openEmbedded() makes this process the owner when the lock is free or stale, and a
// client of the owner otherwise. A client keeps watching the owner and takes over (serving on
// the same socket path) if the owner dies, so its postgres.js connections simply reconnect.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { RuntimeFailure } from '@cqt/config';
import { OwnerLock, isAlive } from './ownerLock.js';
import { WireServer } from './wireServer.js';

/** Longest Unix socket path the kernel accepts is 107 bytes; keep a margin. */
const MAX_SOCKET_PATH = 100;

export function socketPathFor(dataDir: string): string {
  const inDir = join(dataDir, '.s.PGSQL.5432');
  if (inDir.length <= MAX_SOCKET_PATH) return inDir;
  const digest = createHash('sha1').update(dataDir).digest('hex').slice(0, 16);
  return join(tmpdir(), `cqt-${digest}.sock`);
}

export type EmbeddedRole = 'owner' | 'client';

export interface EmbeddedHandle {
  dataDir: string;
  socketPath: string;
  lockPath: string;
  role(): EmbeddedRole;
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  /** How long to wait for another process's store to become ready. */
  waitMs?: number;
  /** Interval of the client's owner-liveness check. */
  watchMs?: number;
  /** Run by whichever process becomes owner, once the socket serves and before clients may use
   * it (migrations go here). */
  prepare?: () => Promise<void>;
}

interface Owned {
  db: PGlite;
  server: WireServer;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stores this process owns, by lock path: a second open in the same process is a client of the first. */
const ownedHere = new Map<string, number>();

export async function openEmbedded(dataDirInput: string, options: EmbeddedOptions = {}): Promise<EmbeddedHandle> {
  const dataDir = resolve(dataDirInput);
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new RuntimeFailure(`cannot create data dir ${dataDir}: ${(err as Error).message}`, 'set CQT_DATA_DIR to a writable folder', err);
  }
  const socketPath = socketPathFor(dataDir);
  const lockPath = join(dataDir, 'owner.lock');
  const lock = new OwnerLock(lockPath, socketPath);
  const waitMs = options.waitMs ?? 60_000;
  const watchMs = options.watchMs ?? 500;

  let owned: Owned | null = null;
  let closed = false;
  let watcher: NodeJS.Timeout | null = null;
  /** A client's takeover in progress: close() waits for it, so it never leaves an owner behind. */
  let takeover: Promise<void> | null = null;

  const becomeOwner = async (): Promise<void> => {
    ownedHere.set(lockPath, (ownedHere.get(lockPath) ?? 0) + 1);
    try {
      const db = await PGlite.create(join(dataDir, 'pgdata'));
      const server = new WireServer({ db, socketPath });
      await server.start();
      owned = { db, server };
      await options.prepare?.();
      lock.markReady();
    } catch (err) {
      ownedHere.delete(lockPath);
      const o = owned as Owned | null;
      if (o) {
        await o.server.stop().catch(() => {});
        await o.db.close().catch(() => {});
      }
      owned = null;
      lock.release();
      throw new RuntimeFailure(
        `cannot open the embedded store in ${dataDir}: ${(err as Error).message}`,
        'check the folder is writable and not damaged; `cqt db status` shows its state',
        err,
      );
    }
  };

  // Become owner, or wait until an owner is ready to serve us.
  const deadline = Date.now() + waitMs;
  for (;;) {
    const sameProcess = ownedHere.has(lockPath);
    const attempt = sameProcess ? { kind: 'held' as const, info: lock.read() } : lock.tryAcquire();
    if (attempt.kind === 'acquired') {
      await becomeOwner();
      break;
    }
    if (attempt.kind === 'held' && attempt.info?.state === 'ready') break;
    if (Date.now() > deadline) {
      const info = lock.read();
      throw new RuntimeFailure(
        `the embedded store in ${dataDir} is held by pid ${info?.pid ?? '?'} but not ready after ${Math.round(waitMs / 1000)} s`,
        `if no cqt process is running, delete ${lockPath}`,
      );
    }
    await sleep(50);
  }

  const handle: EmbeddedHandle = {
    dataDir,
    socketPath,
    lockPath,
    role: () => (owned ? 'owner' : 'client'),
    async close() {
      closed = true;
      if (watcher) clearInterval(watcher);
      await takeover;
      const o = owned as Owned | null;
      if (o) {
        owned = null;
        await o.server.stop();
        await o.db.close();
        const left = (ownedHere.get(lockPath) ?? 1) - 1;
        if (left > 0) ownedHere.set(lockPath, left);
        else ownedHere.delete(lockPath);
        lock.release();
      }
    },
  };

  if (!owned) {
    // Client: take the store over if its owner dies (kill -9 included).
    watcher = setInterval(() => {
      if (takeover || closed || owned) return;
      const info = lock.read();
      if (info && isAlive(info) && info.pid !== process.pid) return;
      if (info && info.pid === process.pid && ownedHere.has(lockPath)) return;
      const attempt = (async () => {
        try {
          if (lock.tryAcquire().kind === 'acquired') await becomeOwner();
        } catch {
          // Another process won the takeover or the open failed; look again next tick.
        }
      })();
      // Cleared once settled, never from inside: an attempt that fails without awaiting ends
      // before `takeover` is even assigned, and would otherwise block every later tick.
      takeover = attempt;
      void attempt.finally(() => {
        if (takeover === attempt) takeover = null;
      });
    }, watchMs);
    watcher.unref();
  }
  return handle;
}
