// A client of the embedded store whose owner dies starts taking the store over; if the process
// closes its handle in the middle of that (PGlite takes about a second to open), close() must
// wait for the takeover and shut what it got — never leave this process serving the store, which
// kept a `cqt status` run at the wrong moment alive for ever and the store locked to it. And an
// attempt that fails at once (the lock unreadable) must not stop later ticks from trying again.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openEmbedded } from '../embedded/store.js';
import { tempDir } from '@cqt/test-support/tmp';

const dir = tempDir('cqt-takeover-');
afterAll(() => dir.remove());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Where an owner of a store in `dataDir` serves it (the paths here are short enough). */
const socketPathIn = (dataDir: string) => join(dataDir, '.s.PGSQL.5432');

/** Whether something accepts connections on the Unix socket. */
function listening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

it('close() during a takeover waits for it and leaves no owner behind', async () => {
  const dataDir = join(dir.path, 'store');
  // An "owner" that is only a live process holding a ready lock: openEmbedded returns as its client.
  const owner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const lockPath = join(dataDir, 'owner.lock');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(
    lockPath,
    JSON.stringify({ pid: owner.pid, host: hostname(), socketPath: socketPathIn(dataDir), startedAtMs: 1, state: 'ready' }),
  );
  const handle = await openEmbedded(dataDir, { watchMs: 20, waitMs: 5_000 });
  expect(handle.role()).toBe('client');

  // The owner dies; the watcher takes the lock and starts opening PGlite.
  owner.kill('SIGKILL');
  const deadline = Date.now() + 10_000;
  const lockedByUs = () => {
    try {
      return JSON.parse(readFileSync(lockPath, 'utf8')).pid === process.pid;
    } catch {
      return false;
    }
  };
  while (!lockedByUs() && Date.now() < deadline) await sleep(5);
  expect(lockedByUs()).toBe(true);

  // Close while the takeover is still opening the store.
  await handle.close();
  expect(handle.role()).toBe('client');
  // Give a takeover that close() did not wait for the time to finish opening and start serving.
  await sleep(3_000);
  expect(existsSync(lockPath)).toBe(false);
  expect(await listening(socketPathIn(dataDir))).toBe(false);
});

it('a takeover attempt that finds the lock unreadable is retried on later ticks', async () => {
  const dataDir = join(dir.path, 'store-busy');
  mkdirSync(dataDir, { recursive: true });
  const owner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const lockPath = join(dataDir, 'owner.lock');
  writeFileSync(
    lockPath,
    JSON.stringify({ pid: owner.pid, host: hostname(), socketPath: socketPathIn(dataDir), startedAtMs: 1, state: 'ready' }),
  );
  const handle = await openEmbedded(dataDir, { watchMs: 20, waitMs: 5_000 });
  try {
    expect(handle.role()).toBe('client');
    // The owner dies while its lock reads as garbage (half-written, say): attempts find it busy.
    writeFileSync(lockPath, '{');
    owner.kill('SIGKILL');
    await sleep(300);
    expect(handle.role()).toBe('client');
    // Once the lock is gone, a later tick takes the store over.
    rmSync(lockPath);
    const deadline = Date.now() + 20_000;
    while (handle.role() !== 'owner' && Date.now() < deadline) await sleep(20);
    expect(handle.role()).toBe('owner');
  } finally {
    await handle.close();
  }
});
