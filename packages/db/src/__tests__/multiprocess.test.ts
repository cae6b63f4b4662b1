// The embedded store across real processes: one owner serves, others connect through its socket,
// a killed owner (kill -9) is replaced by a surviving client, an owner that closes while clients
// are opening is replaced by one of them, a stale lock is taken over, and in every case no
// committed row is lost or duplicated.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../index.js';
import { tempDir } from '@cqt/test-support/tmp';
import { killChildren, startChild, type Child as Worker } from './fixtures/children.js';

const dirs: Array<{ remove(): void }> = [];

const startWorker = (args: Record<string, unknown>): Worker => startChild('storeWorker.mjs', args);

afterEach(() => {
  killChildren();
  for (const d of dirs.splice(0)) d.remove();
});

function newDir(): string {
  const d = tempDir('cqt-mp-');
  dirs.push(d);
  return d.path;
}

/** The worker's exit code, or 'still running' if it has not exited within ms. */
function exitWithin(w: Worker, ms: number): Promise<number | null | 'still running'> {
  return Promise.race([w.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), ms).unref())]);
}

const lastAck = (w: Worker) => Math.max(0, ...w.events.filter((e) => e.event === 'acked').map((e) => e.upTo as number));

/** Row-level integrity read with index scans off, so a corrupted index cannot hide duplicates. */
async function integrity(db: Db, symbol: string) {
  return db.sql.begin(async (tx) => {
    await tx`set local enable_indexscan = off`;
    await tx`set local enable_bitmapscan = off`;
    await tx`set local enable_indexonlyscan = off`;
    const [r] = await tx`select count(*)::int as n, count(distinct ts)::int as d, coalesce(max(close), -1)::int as hi,
      count(*) filter (where close <> extract(epoch from ts - '2026-11-23T00:00:00Z'::timestamptz))::int as wrong
      from market_1s where symbol = ${symbol}`;
    return r as { n: number; d: number; hi: number; wrong: number };
  });
}

describe('embedded store across processes', () => {
  it('serves a second process through the owner, and survives kill -9 of the owner without losing or duplicating rows', async () => {
    const dataDir = newDir();
    const a = startWorker({ dataDir, symbol: 'A', from: 0, count: 6000, batch: 200, pauseMs: 40, holdMs: 60_000 });
    expect((await a.waitFor((e) => e.event === 'open')).role).toBe('owner');
    const b = startWorker({ dataDir, symbol: 'B', from: 0, count: 3000, batch: 100, pauseMs: 40 });
    expect((await b.waitFor((e) => e.event === 'open')).role).toBe('client');
    await b.waitFor((e) => e.event === 'acked' && (e.upTo as number) >= 800);
    await a.waitFor((e) => e.event === 'acked' && (e.upTo as number) >= 1000);

    a.proc.kill('SIGKILL');
    await a.exited;
    const ackedByA = lastAck(a);

    await b.waitFor((e) => e.event === 'written', 60_000);
    expect(b.events.some((e) => e.event === 'acked' && e.role === 'owner')).toBe(true); // B took over
    expect(await b.exited).toBe(0);

    const db = await openDb({ dataDir });
    try {
      const rb = await integrity(db, 'B');
      expect(rb).toEqual({ n: 3000, d: 3000, hi: 2999, wrong: 0 });
      const ra = await integrity(db, 'A');
      expect(ra.n).toBe(ra.d); // no duplicates
      expect(ra.wrong).toBe(0);
      expect(ra.n).toBeGreaterThanOrEqual(ackedByA); // every acknowledged row survived the kill
      const [{ n: contiguous }] = await db.sql`select count(*)::int as n from market_1s where symbol = 'A' and close < ${ackedByA}`;
      expect(contiguous).toBe(ackedByA);
      await db.sql`reindex table market_1s`; // fails on a corrupted store
    } finally {
      await db.close();
    }
  });

  it('takes over a stale lock left by a dead process', async () => {
    const dataDir = newDir();
    const first = await openDb({ dataDir });
    await first.sql`insert into market_1s (symbol, ts, recv_ts) values ('S', now(), now())`;
    await first.close();
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
    writeFileSync(
      join(dataDir, 'owner.lock'),
      JSON.stringify({ pid: dead, host: hostname(), socketPath: join(dataDir, '.s.PGSQL.5432'), startedAtMs: 1, state: 'ready' }),
    );
    const db = await openDb({ dataDir, embedded: { waitMs: 10_000 } });
    try {
      expect(db.role()).toBe('owner');
      const [{ n }] = await db.sql`select count(*)::int as n from market_1s where symbol = 'S'`;
      expect(n).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('clients opening while the owner closes and exits: one takes over, every client writes everything, all exit', async () => {
    const dataDir = newDir();
    const holdMs = 1500;
    const owner = startWorker({ dataDir, symbol: 'O', from: 0, count: 100, batch: 100, holdMs });
    expect((await owner.waitFor((e) => e.event === 'open')).role).toBe('owner');
    await owner.waitFor((e) => e.event === 'written');
    // The owner closes about holdMs from now: start clients from well before to just after that
    // moment, so that some are connected, some are reading the lock and some find it gone. On a
    // loaded machine the owner may close later than planned: the last client starts only once it
    // has, so there is always one that must take over.
    const symbols = ['A', 'B', 'C', 'D', 'E'];
    const clients: Worker[] = [];
    for (const symbol of symbols) {
      clients.push(startWorker({ dataDir, symbol, from: 0, count: 200, batch: 20, pauseMs: 50, holdMs: 1000 }));
      await new Promise((r) => setTimeout(r, (holdMs + 600) / (symbols.length + 1)));
    }
    await owner.waitFor((e) => e.event === 'done', 20_000);
    clients.push(startWorker({ dataDir, symbol: 'F', from: 0, count: 200, batch: 20, pauseMs: 50, holdMs: 1000 }));
    await Promise.all(clients.map((w) => w.waitFor((e) => e.event === 'done', 30_000)));
    // Every process exits once closed: none is left serving a store it took over while closing.
    const exits = await Promise.all([owner, ...clients].map((w) => exitWithin(w, 15_000)));
    expect(exits).toEqual([owner, ...clients].map(() => 0));
    // Someone became owner after the first one left.
    expect(clients.some((w) => w.events.some((e) => e.role === 'owner'))).toBe(true);
    const db = await openDb({ dataDir });
    try {
      expect(await integrity(db, 'O')).toEqual({ n: 100, d: 100, hi: 99, wrong: 0 });
      for (const s of [...symbols, 'F']) expect(await integrity(db, s), s).toEqual({ n: 200, d: 200, hi: 199, wrong: 0 });
    } finally {
      await db.close();
    }
  }, 120_000);

  it('lets several processes race to open a new store: one owner, everyone writes', async () => {
    const dataDir = newDir();
    const ws = ['P', 'Q', 'R'].map((symbol) => startWorker({ dataDir, symbol, from: 0, count: 500, batch: 100, holdMs: 3000 }));
    const opens = await Promise.all(ws.map((w) => w.waitFor((e) => e.event === 'open')));
    expect(opens.filter((o) => o.role === 'owner')).toHaveLength(1);
    await Promise.all(ws.map((w) => w.waitFor((e) => e.event === 'done', 60_000)));
    const db = await openDb({ dataDir });
    try {
      for (const s of ['P', 'Q', 'R']) expect(await integrity(db, s)).toEqual({ n: 500, d: 500, hi: 499, wrong: 0 });
    } finally {
      await db.close();
    }
  });
});
