// The embedded store: PGlite in <dataDir>/pgdata, owned by one process that serves it on a Unix
// socket from a worker thread (storeThread.ts). openEmbedded() makes this process the owner when
// the lock is free or stale, and a client of the owner otherwise. A client keeps watching the
// owner and takes over if the owner dies; every postgres.js connection asks the lock where the
// store is served, so connections simply reconnect.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RuntimeFailure } from '@cqt/config';
import { OwnerLock, readLock, type LockInfo } from './ownerLock.js';
import type { StoreThreadCommand, StoreThreadData, StoreThreadEvent } from './storeThread.js';

/** Longest Unix socket path the kernel accepts is 107 bytes; keep a margin. */
const MAX_SOCKET_PATH = 100;
const SOCKET_NAME = '.s.PGSQL.5432';
/** Prefix of the private socket directories made in the temp folder. */
const PRIVATE_DIR_PREFIX = 'cqt-';

const lockPathOf = (dataDir: string) => join(dataDir, 'owner.lock');

/**
 * Where this process serves the store if it becomes the owner: in the data dir when the path
 * fits a socket address, else in a fresh private directory (mkdtemp: mode 0700, a random name
 * nobody can create first). Clients learn the path from the lock.
 */
class SocketPlace {
  private dir: string | null = null;
  constructor(private readonly dataDir: string) {}

  path(): string {
    const inDataDir = join(this.dataDir, SOCKET_NAME);
    if (inDataDir.length <= MAX_SOCKET_PATH) return inDataDir;
    this.dir ??= mkdtempSync(join(tmpdir(), PRIVATE_DIR_PREFIX));
    return join(this.dir, SOCKET_NAME);
  }

  remove(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}

/** A dead owner's private socket directory (never the data dir itself) goes with its lock. */
function removeStaleSocketDir(socketPath: string, dataDir: string): void {
  const dir = dirname(socketPath);
  if (dir !== dataDir && dirname(dir) === tmpdir() && basename(dir).startsWith(PRIVATE_DIR_PREFIX)) {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A connection to the store's socket, wherever its current owner serves it (the lock says;
 * an owner that took over may serve elsewhere). Returned at once, still connecting, so a
 * refused or missing socket fails the way a socket path does: 'error', then 'close'.
 */
export function connectToStore(dataDir: string): Socket {
  const info = readLock(lockPathOf(dataDir));
  return connect(info?.socketPath ?? join(dataDir, SOCKET_NAME));
}

/** The data dir holds the lock that tells clients where the socket is: only its user may write it. */
function makePrivateDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (statSync(dataDir).mode & 0o077) chmodSync(dataDir, 0o700);
  } catch (err) {
    throw new RuntimeFailure(`cannot create a private data dir ${dataDir}: ${(err as Error).message}`, 'set CQT_DATA_DIR to a folder of your own', err);
  }
}

export type EmbeddedRole = 'owner' | 'client';

export interface EmbeddedHandle {
  dataDir: string;
  lockPath: string;
  /** The lock as it is now (who owns the store, where it serves). */
  lockInfo(): LockInfo | null;
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

/** The store thread's module. Under the test runner this file is TypeScript in src/, which a
 * worker cannot load: the built thread in dist/ serves then (the tests build first). */
function storeThreadUrl(): URL {
  const beside = new URL('./storeThread.js', import.meta.url);
  return existsSync(fileURLToPath(beside)) ? beside : new URL('../../dist/embedded/storeThread.js', import.meta.url);
}

/** The owner's store thread, serving PGlite on the socket until stopped. */
class StoreThread {
  private stopping = false;
  private constructor(
    private readonly worker: Worker,
    private readonly exited: Promise<void>,
  ) {}

  /** Resolves once the thread serves; `onLost` runs if it ends later without being stopped. */
  static start(data: StoreThreadData, onLost: (reason: string) => void): Promise<StoreThread> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(storeThreadUrl(), { workerData: data });
      const exited = new Promise<void>((r) => worker.once('exit', () => r()));
      const thread = new StoreThread(worker, exited);
      let serving = false;
      let failure = '';
      worker.on('message', (event: StoreThreadEvent) => {
        if (event.kind === 'serving') {
          serving = true;
          resolve(thread);
        } else if (event.kind === 'failed') {
          failure = event.message;
        }
      });
      worker.on('error', (err) => (failure = err.message));
      worker.once('exit', (code) => {
        if (!serving) reject(new Error(failure || `the store thread ended (code ${code}) before serving`));
        else if (!thread.stopping) onLost(failure || `the store thread ended (code ${code})`);
      });
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.worker.postMessage({ kind: 'stop' } satisfies StoreThreadCommand);
    await this.exited;
  }
}

interface Owned {
  thread: StoreThread;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stores this process owns, by lock path: a second open in the same process is a client of the first. */
const ownedHere = new Map<string, number>();

export async function openEmbedded(dataDirInput: string, options: EmbeddedOptions = {}): Promise<EmbeddedHandle> {
  const dataDir = resolve(dataDirInput);
  makePrivateDir(dataDir);
  const lockPath = lockPathOf(dataDir);
  const place = new SocketPlace(dataDir);
  const lock = new OwnerLock(lockPath, () => place.path(), () => ownedHere.has(lockPath));
  const waitMs = options.waitMs ?? 60_000;
  const watchMs = options.watchMs ?? 500;

  let owned: Owned | null = null;
  let closed = false;
  let watcher: NodeJS.Timeout | null = null;
  /** A client's takeover in progress: close() waits for it, so it never leaves an owner behind. */
  let takeover: Promise<void> | null = null;

  /** One attempt to take the lock; a dead owner's private socket directory goes with its lock. */
  const acquire = () => {
    const attempt = lock.tryAcquire();
    if (attempt.kind === 'acquired' && attempt.replaced) removeStaleSocketDir(attempt.replaced.socketPath, dataDir);
    return attempt;
  };

  /** This process no longer owns the store: the lock and the private socket folder go. */
  const giveUp = () => {
    const left = (ownedHere.get(lockPath) ?? 1) - 1;
    if (left > 0) ownedHere.set(lockPath, left);
    else ownedHere.delete(lockPath);
    lock.release();
    place.remove();
  };

  const becomeOwner = async (): Promise<void> => {
    ownedHere.set(lockPath, (ownedHere.get(lockPath) ?? 0) + 1);
    let thread: StoreThread | undefined;
    try {
      thread = await StoreThread.start({ pgdataDir: join(dataDir, 'pgdata'), socketPath: place.path() }, () => lost(thread));
      owned = { thread };
      await options.prepare?.();
      if ((owned as Owned | null)?.thread !== thread) throw new Error('the store thread ended while the store was being prepared');
      lock.markReady();
    } catch (err) {
      // Undo unless lost() already gave the store up.
      if (!thread || owned?.thread === thread) {
        owned = null;
        await thread?.stop().catch(() => {});
        giveUp();
      }
      throw new RuntimeFailure(
        `cannot open the embedded store in ${dataDir}: ${(err as Error).message}`,
        'check the folder is writable and not damaged; `cqt db status` shows its state',
        err,
      );
    }
  };

  /** The store thread ended by itself (it crashed): give the store up, so that a watcher — this
   * process's or another's — takes it over with a fresh PGlite. */
  const lost = (thread: StoreThread | undefined) => {
    if (!thread || owned?.thread !== thread) return;
    owned = null;
    giveUp();
    if (!closed) watch();
  };

  // Become owner, or wait until an owner is ready to serve us.
  const deadline = Date.now() + waitMs;
  for (;;) {
    const sameProcess = ownedHere.has(lockPath);
    const attempt = sameProcess ? { kind: 'held' as const, info: lock.read() } : acquire();
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
    lockPath,
    lockInfo: () => lock.read(),
    role: () => (owned ? 'owner' : 'client'),
    async close() {
      closed = true;
      if (watcher) clearInterval(watcher);
      await takeover;
      const o = owned as Owned | null;
      if (o) {
        owned = null;
        await o.thread.stop();
        giveUp();
      }
    },
  };

  // A client takes the store over if its owner dies (kill -9 included).
  function watch(): void {
    if (watcher) return;
    watcher = setInterval(() => {
      if (takeover || closed || owned) return;
      if (ownedHere.has(lockPath)) return; // another handle of this process owns the store
      const info = lock.read();
      if (info && lock.holderAlive(info)) return;
      const attempt = (async () => {
        try {
          if (acquire().kind === 'acquired') await becomeOwner();
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
  if (!owned) watch();
  return handle;
}
