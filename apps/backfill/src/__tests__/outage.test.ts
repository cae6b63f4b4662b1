// A real outage under `cqt backfill --follow` (the built binary, one process per backend at the
// same time): between the venue and the two processes sits a TCP proxy on loopback, closed
// (listener and every connection) from just after the first pass until a few seconds after the
// next minute's close, then opened again on the same port. The processes do not exit, log each
// failed attempt as one line, and once the venue answers again catch up: one coverage range, a
// candle for every minute of it, none twice, none stored before it closed; SIGTERM → exit 0.
// It waits for a minute boundary, so it takes 30–70 s (more while the embedded store starts on a
// loaded machine).
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeExchange, type FakeExchange } from '@cqt/testkit';
import { openDb, type Db } from '@cqt/db';
import { createTestDatabase, type TestDatabase } from '@cqt/test-support/pg';
import { tempDir } from '@cqt/test-support/tmp';
import { startCqt, type CqtChild } from '@cqt/test-support/cqt';
import { candleOpen, readCoverage } from '@cqt/candles';

const MIN = 60_000;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A TCP proxy that can be closed (refusing and cutting connections) and opened again on its port. */
class OutageProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly targetPort: number) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

let ex: FakeExchange;
let proxy: OutageProxy;
let pg: TestDatabase;
let dir: ReturnType<typeof tempDir>;
beforeAll(async () => {
  ex = await startFakeExchange({ seed: 23, markets: { upbit: ['KRW-BTC'], binance: ['BTCUSDT'] } });
  proxy = new OutageProxy(Number(new URL(ex.urls.BINANCE_REST_URL).port));
  await proxy.open();
  pg = await createTestDatabase();
  dir = tempDir('cqt-outage-');
});
afterAll(async () => {
  await proxy?.close();
  await ex?.close();
  await pg?.drop();
  dir?.remove();
});

const PASS = /follow binance BTCUSDT 1m: \d+ candles, cursor (\S+); next at (\S+)/g;
const passes = (child: CqtChild) => [...child.stderr.matchAll(PASS)].map((m) => ({ cursorMs: Date.parse(m[1]), nextMs: Date.parse(m[2]) }));

async function until(what: string, ok: () => boolean, children: CqtChild[], timeoutMs: number): Promise<void> {
  const endMs = Date.now() + timeoutMs;
  while (!ok()) {
    for (const c of children) if (c.exitCode !== undefined) throw new Error(`cqt exited (${c.exitCode}) while waiting for ${what}: ${c.stderr}`);
    if (Date.now() > endMs) throw new Error(`timed out waiting for ${what}: ${children.map((c) => c.stderr).join('\n---\n')}`);
    await pause(50);
  }
}

describe('backfill --follow through an outage', () => {
  it('keeps running, logs each failed attempt on one line, and catches up with no hole, no duplicate and no open candle (both backends)', async () => {
    const env = { BINANCE_REST_URL: `http://127.0.0.1:${proxy.port}` };
    const args = ['backfill', '--venue', 'binance', '--symbol', 'BTCUSDT', '--timeframe', '1m', '--since', '20m', '--follow', '--json'];
    const children = [startCqt(args, { ...env, DATABASE_URL: pg.url }), startCqt(args, { ...env, CQT_DATA_DIR: dir.path })];
    try {
      await until('the first passes', () => children.every((c) => passes(c).length >= 1), children, 180_000);
      // The venue goes away now and comes back 5 s after the next pass was due, so the minute
      // that closes meanwhile can only be fetched after the outage.
      await proxy.close();
      const dueMs = Math.max(...children.map((c) => passes(c)[0].nextMs));
      const outageEndMs = dueMs + 5000;
      await until('the outage to last past the next close', () => Date.now() >= outageEndMs, children, 90_000);
      const during = children.map((c) => c.stderr);
      await proxy.open();
      const closedDuringMs = candleOpen('1m', dueMs) - MIN;
      await until('the catch-up passes', () => children.every((c) => passes(c).some((p) => p.cursorMs >= closedDuringMs)), children, 60_000);

      for (const text of during) {
        // Each failed attempt is one line of its own, with the time, the venue and the cause.
        expect(text).toMatch(/Z binance \/fapi\/v1\/klines: fetch failed \([^)]+\); attempt 1 of 8, next in 1 s\n/);
      }
      for (const c of children) c.child.kill('SIGTERM');
      await Promise.all(children.map((c) => c.exited));
      for (const c of children) {
        expect(c.exitCode, c.stderr).toBe(0);
        for (const line of c.stderr.trimEnd().split('\n')) expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z (follow|binance) /);
        expect((JSON.parse(c.stdout) as { rateLimited: number }).rateLimited).toBe(0);
      }
    } finally {
      for (const c of children) if (c.exitCode === undefined) c.child.kill('SIGKILL');
      await Promise.all(children.map((c) => c.exited));
    }

    for (const open of [() => openDb({ databaseUrl: pg.url }), () => openDb({ dataDir: dir.path })]) {
      const db: Db = await open();
      try {
        const series = { venue: 'binance' as const, symbol: 'BTCUSDT', timeframe: '1m' };
        const coverage = await readCoverage(db.sql, series);
        // One range: nothing between the first minute and the cursor is unknown.
        expect(coverage).toHaveLength(1);
        const [{ n, distinct, first, last, early }] = await db.sql<{ n: number; distinct: number; first: Date; last: Date; early: number }[]>`
          select count(*)::int as n, count(distinct ts)::int as distinct, min(ts) as first, max(ts) as last,
            count(*) filter (where recv_ts < ts + interval '1 minute')::int as early
          from candles where venue = 'binance' and symbol = 'BTCUSDT' and timeframe = '1m'`;
        expect(first.getTime()).toBe(coverage[0].fromMs);
        expect(last.getTime()).toBe(coverage[0].toMs - MIN);
        // Binance has a kline for every minute: no hole, and none twice.
        expect(n).toBe((coverage[0].toMs - coverage[0].fromMs) / MIN);
        expect(distinct).toBe(n);
        // Never stored before it closed.
        expect(early).toBe(0);
        const [{ cursor }] = await db.sql<{ cursor: Date }[]>`select last_closed_ts as cursor from ingest_state where source = 'binance' and symbol = 'BTCUSDT' and timeframe = '1m'`;
        expect(cursor.getTime()).toBe(last.getTime());
      } finally {
        await db.close();
      }
    }
    expect(ex.stats.rest.binance.rateLimitViolations).toBe(0);
  }, 400_000);
});
