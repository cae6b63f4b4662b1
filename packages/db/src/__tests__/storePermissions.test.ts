// Whoever can reach the embedded store's socket is its superuser (trust authentication), and
// whoever can write its data dir can replace the lock that tells clients where the socket is.
// So the data dir is private (0700) and the socket 0600 whatever the user's umask, and a socket
// path too long for the data dir lives in a fresh private directory, never at a predictable
// name in /tmp that another user could create first.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openDb } from '../index.js';
import { tempDir } from '@cqt/test-support/tmp';
import { killChildren, startChild } from './fixtures/children.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  killChildren();
});

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

function newDir(): string {
  const d = tempDir('cqt-perm-');
  cleanups.push(() => d.remove());
  return d.path;
}

it('with umask 002 the data dir is 0700 and the socket 0600', async () => {
  const dataDir = join(newDir(), 'store');
  const owner = startChild('storeOwner.mjs', { dataDir, umask: 0o002 });
  const open = await owner.waitFor((e) => e.event === 'open', 60_000);
  expect(open.role).toBe('owner');
  expect({ dataDir: mode(dataDir), socket: mode(open.socketPath as string) }).toEqual({ dataDir: '700', socket: '600' });
});

it('an existing data dir open to the group is made private', async () => {
  const dataDir = join(newDir(), 'store');
  mkdirSync(dataDir);
  chmodSync(dataDir, 0o775);
  const owner = startChild('storeOwner.mjs', { dataDir, umask: 0o002 });
  await owner.waitFor((e) => e.event === 'open', 60_000);
  expect(mode(dataDir)).toBe('700');
});

it('a data dir too long for a socket path gets its socket in a private directory named in the lock', async () => {
  const dataDir = join(newDir(), 'a-data-dir-whose-path-is-far-too-long-for-a-unix-socket', 'x'.repeat(60));
  const owner = startChild('storeOwner.mjs', { dataDir, umask: 0o002 });
  const open = await owner.waitFor((e) => e.event === 'open', 60_000);
  const socketPath = open.socketPath as string;
  const lock = JSON.parse(readFileSync(join(dataDir, 'owner.lock'), 'utf8'));
  expect(lock.socketPath).toBe(socketPath);
  // Not a name derived from the data dir, which another user could create before us.
  expect(socketPath).not.toMatch(/cqt-[0-9a-f]{16}\.sock$/);
  expect(dirname(socketPath).startsWith(tmpdir())).toBe(true);
  expect({ dir: mode(dirname(socketPath)), socket: mode(socketPath), owner: statSync(dirname(socketPath)).uid }).toEqual({
    dir: '700',
    socket: '600',
    owner: process.getuid!(),
  });
  // Another process finds the socket through the lock.
  const db = await openDb({ dataDir, embedded: { waitMs: 10_000 } });
  cleanups.push(() => db.close());
  expect(db.role()).toBe('client');
  const [{ n }] = await db.sql`select 1 + 1 as n`;
  expect(n).toBe(2);
});

it('a client that takes over a long-path store serves it in a private directory of its own and removes the dead owner\'s', async () => {
  const dataDir = join(newDir(), 'another-data-dir-whose-path-is-far-too-long-for-a-unix-socket', 'y'.repeat(60));
  const owner = startChild('storeOwner.mjs', { dataDir });
  const open = await owner.waitFor((e) => e.event === 'open', 60_000);
  const deadDir = dirname(open.socketPath as string);
  const db = await openDb({ dataDir, embedded: { waitMs: 10_000, watchMs: 50 } });
  cleanups.push(() => db.close());
  expect(db.role()).toBe('client');
  owner.proc.kill('SIGKILL');
  await owner.exited;
  const deadline = Date.now() + 30_000;
  while (db.role() !== 'owner' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(db.role()).toBe('owner');
  const [{ n }] = await db.sql`select 2 + 2 as n`; // the client's own connections follow the lock
  expect(n).toBe(4);
  const socketPath = JSON.parse(readFileSync(join(dataDir, 'owner.lock'), 'utf8')).socketPath as string;
  expect(dirname(socketPath)).not.toBe(deadDir);
  expect({ dir: mode(dirname(socketPath)), socket: mode(socketPath), deadDirLeft: existsSync(deadDir) }).toEqual({
    dir: '700',
    socket: '600',
    deadDirLeft: false,
  });
});
