// A lock whose pid is alive is not always held: after a container restart the new cqt may be
// pid 1 again, and after a reboot any pid may be reused by an unrelated process. The owner is
// identified by its pid, the pid's start time and the machine's boot id; a lock that does not
// match is stale and taken over. A lock that does match is respected, and the error names it.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openDb } from '../index.js';
import { tempDir } from '@cqt/test-support/tmp';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat). */
function startTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}
const bootId = () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

/** A store dir holding a lock with the given fields, as a process that is gone would have left it. */
function storeWithLock(fields: Record<string, unknown>): string {
  const d = tempDir('cqt-stale-');
  cleanups.push(() => d.remove());
  const dataDir = join(d.path, 'store');
  mkdirSync(dataDir, { mode: 0o700 });
  const lock = { host: hostname(), socketPath: join(dataDir, '.s.PGSQL.5432'), startedAtMs: Date.now() - 60_000, state: 'ready', ...fields };
  writeFileSync(join(dataDir, 'owner.lock'), JSON.stringify(lock));
  return dataDir;
}

async function openOwner(dataDir: string) {
  const db = await openDb({ dataDir, embedded: { waitMs: 8_000 } });
  cleanups.push(() => db.close());
  const [{ n }] = await db.sql`select 1 + 1 as n`;
  return { role: db.role(), answers: n };
}

it('a lock naming this very process, left by an earlier life of the same pid, is taken over', async () => {
  const dataDir = storeWithLock({ pid: process.pid }); // as written before start times were recorded
  expect(await openOwner(dataDir)).toEqual({ role: 'owner', answers: 2 });
});

it('a lock naming this pid with another start time is taken over', async () => {
  const dataDir = storeWithLock({ pid: process.pid, bootId: bootId(), pidStartTicks: startTicks(process.pid) - 1 });
  expect(await openOwner(dataDir)).toEqual({ role: 'owner', answers: 2 });
});

it('a lock naming a live unrelated process with another start time is taken over', async () => {
  const dataDir = storeWithLock({ pid: process.ppid, bootId: bootId(), pidStartTicks: startTicks(process.ppid) + 12345 });
  expect(await openOwner(dataDir)).toEqual({ role: 'owner', answers: 2 });
});

it('a lock written before the last reboot is taken over even if its pid is alive again', async () => {
  const dataDir = storeWithLock({ pid: process.ppid, bootId: '00000000-0000-4000-8000-000000000000', pidStartTicks: startTicks(process.ppid) });
  expect(await openOwner(dataDir)).toEqual({ role: 'owner', answers: 2 });
});

for (const state of ['starting', 'ready']) {
  it(`a ${state} lock that matches a live process is respected, and the error names the lock file`, async () => {
    const dataDir = storeWithLock({ pid: process.ppid, bootId: bootId(), pidStartTicks: startTicks(process.ppid), state });
    const lockPath = join(dataDir, 'owner.lock');
    const err = await openDb({ dataDir, embedded: { waitMs: 1_500 } }).then(
      (db) => db.close().then(() => null),
      (e: Error & { hint?: string }) => e,
    );
    expect(err?.message).toContain(`pid ${process.ppid}`);
    expect(err?.hint).toContain(lockPath);
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(process.ppid); // not taken over
  });
}
