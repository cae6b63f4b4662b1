// `cqt monitor`'s engine on both backends, posting to a real HTTP receiver on loopback: one message
// per transition over many polls, state that survives a restart (a reopened store), a webhook that
// is down then up, a store that goes away, and a URL that never gets out. The gates are `cqt check
// all`'s, which only the binary may load: cli.test.ts runs them through it, on both backends.
// Time is a clock the test moves: nothing depends on how fast the machine is.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '@cqt/config';
import { openDb, type Db } from '@cqt/db';
import { createTestDatabase, type TestDatabase } from '@cqt/test-support/pg';
import { tempDir } from '@cqt/test-support/tmp';
import { AS_OF, REAL_KEY, SEC, insert, rows, series } from '@cqt/test-support/seed';
import { waitFor } from '@cqt/test-support/wait';
import { createMonitor, readStates, run, type MonitorParts } from '../index.js';
import { startReceiver, type Receiver } from './receiver.js';

const ENV = { CQT_UPBIT_MARKETS: 'KRW-A', CQT_BINANCE_SYMBOLS: 'AUSDT' };
const config = loadConfig({ env: ENV }).values;
const iso = (ms: number) => new Date(ms).toISOString();
const at = (sec: number) => AS_OF + sec * SEC;
const KEY = 'freshness:market_1s:KRW-A';
const DATA_TABLES = 'market_1s, binance_mark_price_1s, binance_futures_metrics, feed_events, feature_snapshots, coinglass_liquidation_map, coinglass_call_status, monitor_state';

describe.each(['postgres', 'embedded'] as const)('cqt monitor [%s]', (backend) => {
  let pg: TestDatabase | null = null;
  let dir: ReturnType<typeof tempDir> | null = null;
  let db: Db;
  let hook: Receiver;
  let now = AS_OF;
  let lines: string[] = [];
  const open = () => (backend === 'postgres' ? openDb({ databaseUrl: pg!.url }) : openDb({ dataDir: dir!.path }));
  /** Closes the handle and opens the store anew: the monitor keeps nothing in memory across it. */
  const restart = async () => {
    await db.close();
    db = await open();
  };
  const monitor = (extra: Partial<MonitorParts> = {}) =>
    createMonitor({
      db,
      config,
      webhook: { url: hook.url, source: 'CQT_MONITOR_WEBHOOK_URL' },
      nowMs: () => now,
      log: (line) => lines.push(line),
      post: { attempts: 2, backoffMs: 1, timeoutMs: 5_000 },
      host: 'test-host',
      sources: ['market_1s'],
      env: ENV,
      ...extra,
    });
  const seen = () => hook.accepted.map((m) => `${m.subject}: ${m.from} → ${m.to}`);
  /** market_1s KRW-A with its newest bar at `lastSec`. */
  const bars = (lastSec: number, count = 100) => insert(db, 'market_1s', rows.market1s('KRW-A', series({ lastTsMs: at(lastSec), count })));

  beforeAll(async () => {
    if (backend === 'postgres') pg = await createTestDatabase();
    else dir = tempDir('cqt-monitor-');
    db = await open();
    hook = await startReceiver();
  });
  afterAll(async () => {
    await hook?.close();
    await db?.close();
    await pg?.drop();
    dir?.remove();
  });
  beforeEach(async () => {
    await db.sql.unsafe(`truncate ${DATA_TABLES}`);
    hook.accepted.length = 0;
    hook.failWith = null;
    lines = [];
    now = AS_OF;
  });

  it('fresh → stale → fresh over 51 polls posts exactly two messages', async () => {
    await bars(-2);
    const m = monitor();
    for (let s = 0; s <= 30; s++) {
      now = at(s);
      await m.poll();
    }
    // The newest bar is 2 s old at AS_OF: the lag passes the 5 s stale bound at +4 s.
    expect(seen()).toEqual(['market_1s KRW-A: fresh → stale']);
    // The collector is back: a bar a second from +30 s on.
    await bars(29, 29);
    for (let s = 30; s <= 50; s++) {
      await bars(s, 1);
      now = at(s);
      await m.poll();
    }
    expect(seen()).toEqual(['market_1s KRW-A: fresh → stale', 'market_1s KRW-A: stale → fresh']);
    expect(hook.accepted[0]).toEqual({
      event: 'monitor.transition',
      text: 'cqt monitor: market_1s KRW-A fresh → stale: lag 6 s > stale after 5 s',
      key: KEY,
      kind: 'freshness',
      subject: 'market_1s KRW-A',
      from: 'fresh',
      to: 'stale',
      since: iso(at(4)),
      asOf: iso(at(4)),
      detail: 'lag 6 s > stale after 5 s',
      recovered: false,
      host: 'test-host',
      tsMs: at(4),
    });
    expect(hook.accepted[1]).toMatchObject({ from: 'stale', to: 'fresh', asOf: iso(at(30)), recovered: true });
    expect(hook.accepted[1].detail).toMatch(/^lag [0-5] s$/);
    expect((await readStates(db)).get(KEY)).toMatchObject({ state: 'fresh', notifiedState: 'fresh', changedAtMs: at(30), evaluatedAtMs: at(50), notifiedAtMs: at(30) });
    expect(lines).toEqual(hook.accepted.map((msg) => msg.text));
  });

  it('degraded on and off: a failed producer cycle under fresh data is one message, its end another', async () => {
    const coinglass = loadConfig({ env: { ...ENV, COINGLASS_ENABLED: 'true', COINGLASS_API_KEY: REAL_KEY } }).values;
    const call = (sec: number, ok: boolean) => insert(db, 'coinglass_call_status', [{ ts: new Date(at(sec)), endpoint: '/api/futures/liquidation/aggregated-map', ok, httpStatus: ok ? 200 : 500 }]);
    await insert(db, 'coinglass_liquidation_map', [{ symbol: 'BTC', range: '1d', ts: new Date(at(-60)), levels: [], levelCount: 12, recvTs: new Date(at(-60)) }]);
    await call(-10, true);
    const m = monitor({ config: coinglass, sources: ['coinglass_liquidation_map'] });
    const pollAt = async (...secs: number[]) => {
      for (const sec of secs) {
        now = at(sec);
        await m.poll();
      }
    };
    await pollAt(0, 1, 2);
    await call(3, false);
    await pollAt(4, 5, 6);
    await call(7, true);
    await pollAt(8, 9, 10);
    expect(hook.accepted.map((msg) => msg.text)).toEqual([
      `cqt monitor: coinglass_liquidation_map BTC/1d degraded on: last cycle failed at ${iso(at(3))}`,
      'cqt monitor: coinglass_liquidation_map BTC/1d degraded off: last cycle ok',
    ]);
    expect(hook.accepted.map((msg) => `${msg.key} ${msg.from} → ${msg.to} ${msg.recovered}`)).toEqual([
      'degraded:coinglass_liquidation_map:BTC/1d off → on false',
      'degraded:coinglass_liquidation_map:BTC/1d on → off true',
    ]);
  });

  it('restart: the state survives a reopened store; nothing repeats; a change while down is told once', async () => {
    await bars(-2);
    let m = monitor();
    now = at(0);
    await m.poll();
    now = at(1);
    await m.poll();
    await restart();
    m = monitor();
    now = at(2);
    await m.poll();
    expect(seen()).toEqual([]);

    // Down for two minutes: the source went stale and hard_stale meanwhile. One message says so.
    await restart();
    m = monitor();
    for (const s of [120, 121, 122]) {
      now = at(s);
      await m.poll();
    }
    expect(seen()).toEqual(['market_1s KRW-A: fresh → hard_stale']);
    await restart();
    now = at(123);
    await monitor().poll();
    expect(hook.accepted).toHaveLength(1);
    expect((await readStates(db)).get(KEY)).toMatchObject({ state: 'hard_stale', notifiedState: 'hard_stale', changedAtMs: at(120) });
  });

  it('first run: good keys are recorded silently, a key already bad is announced once as new', async () => {
    await bars(-2);
    await insert(db, 'binance_mark_price_1s', rows.markPrice('AUSDT', series({ lastTsMs: at(-30), count: 10 })));
    const m = monitor({ sources: ['market_1s', 'binance_mark_price_1s'] });
    await m.poll();
    await m.poll();
    expect(seen()).toEqual(['binance_mark_price_1s AUSDT: new → stale']);
    expect([...(await readStates(db)).values()].map((s) => `${s.key} ${s.state} ${s.notifiedState}`).sort()).toEqual([
      'degraded:binance_mark_price_1s:AUSDT off off',
      'degraded:market_1s:KRW-A off off',
      'freshness:binance_mark_price_1s:AUSDT stale stale',
      'freshness:market_1s:KRW-A fresh fresh',
    ]);
  });

  it('webhook down, then refusing (503), then up: the transition is delivered once, later; the URL never shows', async () => {
    await bars(-2);
    const m = monitor();
    await m.poll();
    await hook.down();
    now = at(10);
    expect(await m.poll()).toMatchObject({ sent: [], pending: 1 });
    now = at(11);
    expect(await m.poll()).toMatchObject({ sent: [], pending: 1 });
    hook.failWith = 503;
    await hook.up();
    const before = hook.requests;
    now = at(12);
    expect(await m.poll()).toMatchObject({ sent: [], pending: 1 });
    expect(hook.requests - before).toBe(2); // both tries reached it, neither was taken
    expect(hook.accepted).toEqual([]);

    hook.failWith = null;
    for (let s = 13; s <= 20; s++) {
      now = at(s);
      await m.poll();
    }
    expect(seen()).toEqual(['market_1s KRW-A: fresh → stale']);
    expect(hook.accepted[0]).toMatchObject({ since: iso(at(10)), asOf: iso(at(13)) });
    expect(hook.accepted[0].text).toBe(`cqt monitor: market_1s KRW-A fresh → stale (since ${iso(at(10))}): lag 15 s > stale after 5 s`);

    expect(lines.slice(0, 3)).toEqual([
      'monitor: webhook (CQT_MONITOR_WEBHOOK_URL) failed after 2 tries: ECONNREFUSED; 1 transition(s) held for the next poll',
      'monitor: webhook (CQT_MONITOR_WEBHOOK_URL) failed after 2 tries: ECONNREFUSED; 1 transition(s) held for the next poll',
      'monitor: webhook (CQT_MONITOR_WEBHOOK_URL) failed after 2 tries: HTTP 503; 1 transition(s) held for the next poll',
    ]);
    expect(lines.join('\n')).not.toContain(hook.token);
  });

  it('the loop: polls until stopped, one message for many polls; the URL is masked in every output', async () => {
    await bars(-2);
    const controller = new AbortController();
    const running = run({
      db,
      env: ENV,
      intervalSec: 0.02,
      webhook: hook.url,
      sources: ['market_1s'],
      nowMs: () => now,
      signal: controller.signal,
      log: (line) => lines.push(line),
      post: { attempts: 2, backoffMs: 1 },
    });
    const evaluatedAt = async () => (await readStates(db)).get(KEY)?.evaluatedAtMs;
    await waitFor('the first poll', async () => (await evaluatedAt()) === AS_OF);
    now = at(10);
    await waitFor('the stale message', async () => hook.accepted.length === 1);
    // Several more polls at later instants, still stale: no more messages.
    for (const s of [11, 12, 13]) {
      now = at(s);
      await waitFor(`a poll at +${s} s`, async () => (await evaluatedAt()) === at(s));
    }
    controller.abort();
    const result = await running;
    expect(seen()).toEqual(['market_1s KRW-A: fresh → stale']);
    expect(result).toMatchObject({ once: false, failedPolls: 0, sent: 1, pending: 0, webhook: { from: '--webhook', value: `set (len ${hook.url.length})` } });
    expect(result.polls).toBeGreaterThanOrEqual(5);
    expect(lines[0]).toMatch(/^monitor: polling every 0.02 s on .+, posting to the webhook from --webhook \(set \(len \d+\)\); SIGINT\/SIGTERM stops$/);
    expect(lines.at(-1)).toBe('monitor: stopped');
    expect(JSON.stringify(result) + lines.join('\n')).not.toContain(hook.token);
  });

  it.runIf(backend === 'postgres')('a store that goes away: one log line per failed poll, it keeps polling, and catches up after', async () => {
    const admin = (await import('postgres')).default(pg!.url.replace(/\/[^/]+$/, '/postgres'), { max: 1, onnotice: () => {} });
    const name = new URL(pg!.url).pathname.slice(1);
    await bars(-2);
    const controller = new AbortController();
    const running = run({
      databaseUrl: pg!.url,
      env: ENV,
      intervalSec: 0.05,
      webhook: hook.url,
      sources: ['market_1s'],
      nowMs: () => now,
      signal: controller.signal,
      log: (line) => lines.push(line),
      post: { attempts: 2, backoffMs: 1 },
    });
    try {
      await waitFor('the first poll', async () => (await readStates(db)).get(KEY)?.evaluatedAtMs === AS_OF);
      await db.close();
      await admin.unsafe(`alter database "${name}" allow_connections false`);
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name}`;
      now = at(10); // goes stale while the store is away
      await waitFor('three failed polls', async () => lines.filter((l) => l.startsWith('monitor: poll failed: ')).length >= 3);
      await admin.unsafe(`alter database "${name}" allow_connections true`);
      await waitFor('the stale message', async () => hook.accepted.length === 1);
      controller.abort();
      const result = await running;
      expect(result.failedPolls).toBeGreaterThanOrEqual(3);
      expect(seen()).toEqual(['market_1s KRW-A: fresh → stale']);
      const failed = lines.filter((l) => l.startsWith('monitor: poll failed: '));
      expect(failed[0]).toMatch(/^monitor: poll failed: .+; next in 0.05 s$/);
      expect(failed.every((l) => !l.includes('\n'))).toBe(true);
    } finally {
      controller.abort();
      await running.catch(() => undefined);
      await admin.unsafe(`alter database "${name}" allow_connections true`);
      await admin.end();
      db = await open();
    }
  });
});
