// The collector under faults, each asserting the database afterwards: connection drop, stall with
// pongs only, 429 then 418, malformed frames, the database going away, Coinglass 401, 429 with
// Retry-After and a placeholder key. Synthetic market; each test in a PostgreSQL database of its own.
import { afterEach, describe, expect, it } from 'vitest';
import postgres, { type Sql } from 'postgres';
import type { FakeExchange, FakeExchangeInput } from '@cqt/testkit';
import { adminUrl, createTestDatabase, type TestDatabase } from '@cqt/test-support/pg';
import { barsFrom, collectorEnv, FAKE_KEY, fakeExchange, Observer, sleep, startCollect, waitUntil, type Collection } from './support.js';

interface Ctx {
  fx: FakeExchange;
  pg: TestDatabase;
  sql: Sql;
  collect: Collection;
}

const open: Ctx[] = [];

async function setUp(opts: { env?: Record<string, string>; staleAfterSec?: number; fx?: FakeExchangeInput } = {}): Promise<Ctx> {
  const fx = await fakeExchange({ seed: 42, ...opts.fx });
  const pg = await createTestDatabase();
  const collect = startCollect({ env: collectorEnv(fx, opts.env), databaseUrl: pg.url, staleAfterSec: opts.staleAfterSec });
  const sql = postgres(pg.url, { max: 2, onnotice: () => {} });
  const ctx = { fx, pg, sql, collect };
  open.push(ctx);
  // Collecting: the first bars are in.
  await waitUntil(async () => (await count(sql, 'market_1s')) >= 2, 'first market_1s rows');
  return ctx;
}

afterEach(async () => {
  for (const c of open.splice(0)) {
    await c.collect.stop().catch(() => undefined);
    await c.sql.end();
    await c.fx.close();
    await c.pg.drop();
  }
});

async function count(sql: Sql, table: string, where = 'true'): Promise<number> {
  try {
    const [r] = await sql.unsafe(`select count(*)::int as n from ${table} where ${where}`);
    return r.n as number;
  } catch {
    return 0; // table not migrated yet
  }
}

async function eventsOf(sql: Sql, source: string) {
  return sql`select ts, kind, count, gap_from, gap_to, detail from feed_events where source = ${source} order by ts`;
}

describe('collect under faults', () => {
  it('connection drop: reconnects, records the gap, invents no bars inside it and writes no duplicates', async () => {
    const { fx, sql, collect } = await setUp();
    await sleep(2500);
    expect(fx.faults.dropConnections('upbit')).toBeGreaterThan(0);
    await waitUntil(async () => (await eventsOf(sql, 'upbit.ws')).some((e) => e.kind === 'gap'), 'gap event');
    await sleep(3000);
    await collect.stop();
    const events = await eventsOf(sql, 'upbit.ws');
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['connect', 'disconnect', 'reconnect', 'gap']));
    const gap = events.find((e) => e.kind === 'gap')!;
    expect(gap.gap_to.getTime()).toBeGreaterThan(gap.gap_from.getTime());
    const inside = await count(sql, 'market_1s', `ts >= '${gap.gap_from.toISOString()}' and ts < '${gap.gap_to.toISOString()}'`);
    expect(inside).toBe(0);
    const rows = await sql`select ts from market_1s order by ts`;
    const secs = rows.map((r) => r.ts.getTime());
    // Rows on both sides of the gap, each second once, contiguous except across the gap.
    expect(new Set(secs).size).toBe(secs.length);
    expect(secs.filter((t) => t < gap.gap_from.getTime()).length).toBeGreaterThan(0);
    expect(secs.filter((t) => t >= gap.gap_to.getTime()).length).toBeGreaterThan(0);
    for (let i = 1; i < secs.length; i++) {
      if (secs[i] - secs[i - 1] !== 1000) expect([secs[i - 1] + 1000, secs[i]]).toEqual([gap.gap_from.getTime(), gap.gap_to.getTime()]);
    }
  });

  it('stall (pings answered, no data): the watchdog reconnects and data resumes', async () => {
    const { fx, sql, collect } = await setUp({ staleAfterSec: 2 });
    const before = await count(sql, 'binance_mark_price_1s');
    const stallStart = Date.now();
    fx.faults.stall('binance', 4000);
    await waitUntil(async () => (await eventsOf(sql, 'binance.ws')).some((e) => e.kind === 'stale'), 'stale event');
    await waitUntil(async () => (await count(sql, 'binance_mark_price_1s', `ts > '${new Date(stallStart + 4000).toISOString()}'`)) >= 2, 'mark prices after the stall');
    await collect.stop();
    expect(fx.stats.binance.dataFramesSuppressed).toBeGreaterThan(0);
    const kinds = (await eventsOf(sql, 'binance.ws')).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['stale', 'reconnect']));
    expect(await count(sql, 'binance_mark_price_1s')).toBeGreaterThan(before);
  });

  it('429 then 418: honours Retry-After, records rate_limited, and resumes polling afterwards', async () => {
    const { fx, sql, collect } = await setUp();
    fx.faults.rateLimitRest('binance', { calls: 2, retryAfterSec: 3 });
    await waitUntil(async () => (await eventsOf(sql, 'binance.rest')).some((e) => e.kind === 'rate_limited'), 'rate_limited event', 30_000);
    const [limited] = (await eventsOf(sql, 'binance.rest')).filter((e) => e.kind === 'rate_limited');
    const pausedUntil = Date.parse(limited.detail.pausedUntil);
    expect(limited.detail.retryAfterSec).toBe(3);
    expect(pausedUntil - limited.ts.getTime()).toBeGreaterThanOrEqual(2900);
    await waitUntil(async () => (await count(sql, 'binance_futures_metrics', `recv_ts > '${new Date(pausedUntil).toISOString()}'`)) > 0, 'metrics after the pause', 30_000);
    await collect.stop();
    // Nothing was requested while paused: no metric row was received inside the pause.
    expect(await count(sql, 'binance_futures_metrics', `recv_ts > '${limited.ts.toISOString()}' and recv_ts < '${new Date(pausedUntil).toISOString()}'`)).toBe(0);
    const statuses = Object.values(fx.stats.rest.binance.byPath).flatMap((byStatus) => Object.keys(byStatus));
    expect(statuses).toContain('429');
  });

  it('418 with a ban time: every Binance REST call waits until the ban ends', async () => {
    const { fx, sql, collect } = await setUp();
    const bannedUntil = Date.now() + 4000;
    fx.faults.failRest('binance', { status: 418, calls: 1, body: JSON.stringify({ code: -1003, msg: `Way too much request weight used; IP banned until ${bannedUntil}. Please use WebSocket Streams for live updates to avoid bans.` }) });
    await waitUntil(async () => (await eventsOf(sql, 'binance.rest')).some((e) => e.kind === 'rate_limited'), 'rate_limited event', 30_000);
    const [banned] = (await eventsOf(sql, 'binance.rest')).filter((e) => e.kind === 'rate_limited');
    expect(banned.detail.httpStatus).toBe(418);
    expect(Date.parse(banned.detail.pausedUntil)).toBe(bannedUntil);
    await waitUntil(async () => (await count(sql, 'binance_futures_metrics', `recv_ts > '${new Date(bannedUntil).toISOString()}'`)) > 0, 'metrics after the ban', 30_000);
    await collect.stop();
    expect(await count(sql, 'binance_futures_metrics', `recv_ts > '${banned.ts.toISOString()}' and recv_ts < '${new Date(bannedUntil).toISOString()}'`)).toBe(0);
  });

  it('malformed frames are counted and skipped; collection continues; a frame that is not UTF-8 is an error of the open socket, not a failed connect', async () => {
    const { fx, sql, collect } = await setUp();
    for (const kind of ['truncated-json', 'not-json', 'unexpected-shape'] as const) {
      fx.faults.injectMalformedFrame('all', kind);
      await sleep(300);
    }
    // A text frame that is not UTF-8 (Binance frames are text; Upbit's are binary and decoded by
    // the parser): the socket closes with 1007 and reconnects.
    fx.faults.injectMalformedFrame('binance', 'invalid-utf8');
    await waitUntil(async () => (await eventsOf(sql, 'binance.ws')).some((e) => e.kind === 'reconnect'), 'the reconnect after the invalid frame');
    const after = Date.now();
    await waitUntil(async () => (await count(sql, 'market_1s', `ts > '${new Date(after).toISOString()}'`)) >= 2, 'bars after the bad frames');
    const result = await collect.stop();
    const errors = await sql`select source, sum(count)::int as n from feed_events where kind = 'parse_error' group by source order by source`;
    expect(errors).toEqual([
      { source: 'binance.ws', n: 3 },
      { source: 'upbit.ws', n: 3 },
    ]);
    expect(result.events['upbit.ws:parse_error']).toBe(3);
    // The raw excerpt of the NUL-bearing frame is stored escaped, not refused.
    const raws = await sql`select detail->'samples'->0->>'raw' as raw from feed_events where kind = 'parse_error' and source = 'upbit.ws'`;
    expect(raws.map((r) => r.raw)).toContain('\\x00\\x01not json at all {');
    expect(result.rowsRejected.feed_events).toBe(0);
    const binanceEvents = await eventsOf(sql, 'binance.ws');
    expect(binanceEvents.filter((e) => e.kind === 'connect_error')).toEqual([]);
    expect(binanceEvents.filter((e) => e.kind === 'error').map((e) => e.detail)).toEqual([expect.objectContaining({ message: expect.stringMatching(/UTF-8/), code: 'WS_ERR_INVALID_UTF8' })]);
    // The socket sent close 1007 and was cut: the disconnect that follows names no cause of its own.
    const errorTs = binanceEvents.find((e) => e.kind === 'error')!.ts.getTime();
    expect(binanceEvents.filter((e) => e.ts.getTime() >= errorTs).map((e) => e.kind)).toEqual(expect.arrayContaining(['disconnect', 'reconnect']));
  });

  it('the database going away: rows are buffered and written when it returns, none lost', async () => {
    const { sql, pg, collect } = await setUp();
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`alter database "${pg.name}" allow_connections false`);
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${pg.name}`;
      await sleep(4000);
      await admin.unsafe(`alter database "${pg.name}" allow_connections true`);
    } finally {
      await admin.end();
    }
    await sleep(3000);
    const result = await collect.stop();
    expect(collect.logs.join('\n')).toMatch(/database unavailable/);
    const rows = await sql`select ts from market_1s order by ts`;
    const secs = rows.map((r) => r.ts.getTime());
    // The feed stayed connected, so every second from first to last is present exactly once.
    expect(secs.length).toBe((secs[secs.length - 1] - secs[0]) / 1000 + 1);
    expect(Object.values(result.rowsDropped).every((n) => n === 0)).toBe(true);
    expect(Object.values(result.rowsUnwritten).every((n) => n === 0)).toBe(true);
  });

  it('Coinglass with a wrong key: every call recorded as a failed call status (401)', async () => {
    const { sql, collect } = await setUp({ env: { COINGLASS_ENABLED: 'true', COINGLASS_API_KEY: 'a-real-looking-but-wrong-key-12345' } });
    await waitUntil(async () => (await count(sql, 'coinglass_call_status')) >= 1, 'call status rows');
    await collect.stop();
    const calls = await sql`select ok, http_status, error_msg from coinglass_call_status`;
    expect(calls.every((c) => c.ok === false && c.http_status === 401)).toBe(true);
    expect(await count(sql, 'coinglass_liquidation_map')).toBe(0);
  });

  it('Coinglass with the right key writes liquidation maps and ok call statuses', async () => {
    const { sql, collect } = await setUp({ env: { COINGLASS_ENABLED: 'true', COINGLASS_API_KEY: FAKE_KEY } });
    await waitUntil(async () => (await count(sql, 'coinglass_liquidation_map')) >= 1, 'liquidation map rows');
    await collect.stop();
    const [map] = await sql`select symbol, range, level_count, jsonb_array_length(levels) as n from coinglass_liquidation_map limit 1`;
    expect(map.symbol).toBe('BTC');
    expect(map.n).toBe(map.level_count);
    expect((await sql`select ok from coinglass_call_status`).some((c) => c.ok)).toBe(true);
  });

  it('Coinglass 429 with Retry-After: no call until it ends, then polling resumes', async () => {
    // One call per 4 s window: a second poll inside a window gets 429 with Retry-After up to the window's end.
    const windowMs = 4000;
    const { fx, sql, collect } = await setUp({
      env: { COINGLASS_ENABLED: 'true', COINGLASS_API_KEY: FAKE_KEY, COINGLASS_POLL_SEC: '1' },
      fx: { coinglass: { requestsPerMinute: 1, windowMs, retryAfterOn429: true } },
    });
    const calls = () => sql`select ts, http_status from coinglass_call_status order by ts`;
    const resumedAfter429 = (rows: Awaited<ReturnType<typeof calls>>) => rows.some((r, i) => r.http_status === 200 && rows.slice(0, i).some((p) => p.http_status === 429));
    await waitUntil(async () => resumedAfter429(await calls()), 'a successful Coinglass call after a 429', 30_000);
    await collect.stop();
    const rows = await calls();
    const limited = (await eventsOf(sql, 'coinglass.rest')).filter((e) => e.kind === 'rate_limited');
    const served429 = fx.stats.rest.coinglass.byPath['/api/futures/liquidation/aggregated-map'][429];
    expect(served429).toBeGreaterThanOrEqual(1);
    expect(limited).toHaveLength(served429);
    expect(rows.filter((r) => r.http_status === 429)).toHaveLength(served429);
    // After each 429 the next call is the first of a later window: it starts once Retry-After has run out, and succeeds.
    for (let i = 0; i < rows.length - 1; i++) {
      if (rows[i].http_status !== 429) continue;
      const windowEndMs = (Math.floor(rows[i].ts.getTime() / windowMs) + 1) * windowMs;
      expect(rows[i + 1].ts.getTime()).toBeGreaterThanOrEqual(windowEndMs);
      expect(rows[i + 1].http_status).toBe(200);
    }
    for (const e of limited) {
      expect(e.detail.retryAfterSec).toBeGreaterThanOrEqual(1);
      const pausedUntil = new Date(e.detail.pausedUntil);
      expect(pausedUntil.getTime()).toBeGreaterThan(e.ts.getTime());
      expect(await count(sql, 'coinglass_call_status', `ts > '${e.ts.toISOString()}' and ts < '${pausedUntil.toISOString()}'`)).toBe(0);
    }
  });

  it('a placeholder Coinglass key is reported once and never sent', async () => {
    const { fx, sql, collect } = await setUp({ env: { COINGLASS_ENABLED: 'true', COINGLASS_API_KEY: 'your_key_here' } });
    await sleep(3000);
    await collect.stop();
    expect(fx.stats.rest.coinglass.requests).toBe(0);
    expect(await count(sql, 'coinglass_call_status')).toBe(0);
    expect(collect.logs.filter((l) => l.includes('COINGLASS_API_KEY is placeholder'))).toHaveLength(1);
    expect((await eventsOf(sql, 'coinglass.rest')).map((e) => e.kind)).toEqual(['skipped']);
    expect(collect.logs.join('\n')).not.toContain('your_key_here');
  });
});

describe('collect when a subscription takes effect late', () => {
  it('a bar is written only for seconds the subscription covered whole: each equals the bar of a client subscribed all along', async () => {
    const fx = await fakeExchange({ seed: 42 });
    const pg = await createTestDatabase();
    const sql = postgres(pg.url, { max: 2, onnotice: () => {} });
    const observer = await Observer.upbit(fx, 'KRW-BTC');
    try {
      // The observer's subscription is live before the fault is armed, so only the collector's waits.
      await waitUntil(() => observer.frames.length > 0, 'the observer receiving frames');
      fx.faults.delaySubscriptions('upbit', { delayMs: 900 });
      const collect = startCollect({ env: collectorEnv(fx), databaseUrl: pg.url });
      try {
        await waitUntil(async () => (await count(sql, 'market_1s')) >= 4, 'four market_1s rows');
      } finally {
        await collect.stop();
      }
      const rows = await sql`select ts, trade_count from market_1s where symbol = 'KRW-BTC' order by ts`;
      const late = await sql`select sum(count)::int as n from feed_events where source = 'upbit.ws' and kind = 'late'`;
      expect(late[0].n ?? 0).toBe(0);
      const expected = barsFrom(observer.frames);
      expect(rows.map((r) => ({ sec: r.ts.getTime(), count: r.trade_count }))).toEqual(
        rows.map((r) => ({ sec: r.ts.getTime(), count: expected.get(r.ts.getTime())?.tradeCount ?? 0 })),
      );
    } finally {
      observer.close();
      await sql.end();
      await fx.close();
      await pg.drop();
    }
  });
});

describe('collect keeps what was known when', () => {
  it('re-polled metric points keep the recv_ts of their first receipt (point-in-time rule)', async () => {
    const { fx, sql, collect } = await setUp({ env: { BINANCE_POLL_SEC: '1' } });
    const histPath = '/futures/data/openInterestHist';
    const polls = () => Object.values(fx.stats.rest.binance.byPath[histPath] ?? {}).reduce((a, b) => a + b, 0);
    await waitUntil(async () => (await count(sql, 'binance_futures_metrics', "metric = 'open_interest_value'")) > 0, 'first 5-minute points');
    const first = await sql`select metric, ts, recv_ts from binance_futures_metrics where metric = 'open_interest_value' order by ts`;
    const pollsBefore = polls();
    // The same 5-minute points are served again by every later poll.
    await waitUntil(() => polls() >= pollsBefore + 3, 'three more polls of the same points', 30_000);
    await collect.stop();
    const after = await sql`select metric, ts, recv_ts from binance_futures_metrics where metric = 'open_interest_value' order by ts`;
    const firstByTs = new Map(first.map((r) => [r.ts.getTime(), r.recv_ts.getTime()]));
    const kept = after.filter((r) => firstByTs.has(r.ts.getTime()));
    expect(kept.length).toBe(first.length);
    for (const row of kept) expect(row.recv_ts.getTime(), `point ${row.ts.toISOString()}`).toBe(firstByTs.get(row.ts.getTime()));
  });
});

describe('collect over long connections and captures', () => {
  it('rotates the Binance socket before the server cut, overlapping, so no mark-price second is lost', async () => {
    const fx = await fakeExchange({ seed: 8, binance: { maxConnectionMs: 5000 } } as never);
    const pg = await createTestDatabase();
    const collect = startCollect({ env: collectorEnv(fx), databaseUrl: pg.url, binanceMaxAgeSec: 3 });
    const sql = postgres(pg.url, { max: 2, onnotice: () => {} });
    open.push({ fx, pg, sql, collect });
    await sleep(11_000);
    await collect.stop();
    const events = await eventsOf(sql, 'binance.ws');
    expect(events.filter((e) => e.kind === 'rotate').length).toBeGreaterThanOrEqual(2);
    // Rotation replaced each socket before the server's cut: nothing went down but the final stop.
    expect(events.filter((e) => e.kind === 'disconnect' || e.kind === 'stale').map((e) => e.detail.reason)).toEqual(['stopped']);
    const secs = (await sql`select ts from binance_mark_price_1s order by ts`).map((r) => Math.floor(r.ts.getTime() / 1000));
    // One mark price per second from the first to the last, across every rotation.
    expect(secs.length).toBeGreaterThanOrEqual(8);
    expect(secs[secs.length - 1] - secs[0] + 1).toBe(new Set(secs).size);
  });

  it('--capture writes frames that the fake exchange replays', async () => {
    const { tempDir } = await import('@cqt/test-support/tmp');
    const { loadRecordings } = await import('@cqt/testkit');
    const dir = tempDir('cqt-capture-');
    try {
      const fx = await fakeExchange({ seed: 9 });
      const pg = await createTestDatabase();
      const collect = startCollect({ env: collectorEnv(fx), databaseUrl: pg.url, captureDir: dir.path });
      const sql = postgres(pg.url, { max: 2, onnotice: () => {} });
      open.push({ fx, pg, sql, collect });
      await waitUntil(async () => (await count(sql, 'market_1s')) >= 3, 'bars');
      const result = await collect.stop();
      expect(result.captureFiles.length).toBe(2);
      const recordings = await loadRecordings(dir.path);
      expect(recordings.map((r) => [r.format, r.venue]).sort()).toEqual([
        ['cqt-capture', 'binance'],
        ['cqt-capture', 'upbit'],
      ]);
      const upbit = recordings.find((r) => r.venue === 'upbit')!;
      expect(upbit.frames.length).toBe(result.streams.find((s) => s.name === 'upbit')!.frames);
      // Replayed: a collector pointed at the replay gets bars again.
      const replay = await fakeExchange({ source: { kind: 'replay', paths: [dir.path], speed: 1, loop: true } } as never);
      const pg2 = await createTestDatabase();
      const again = startCollect({ env: collectorEnv(replay), databaseUrl: pg2.url });
      const sql2 = postgres(pg2.url, { max: 2, onnotice: () => {} });
      open.push({ fx: replay, pg: pg2, sql: sql2, collect: again });
      await waitUntil(async () => (await count(sql2, 'market_1s', 'trade_count > 0')) >= 1, 'bars from the replayed capture');
    } finally {
      dir.remove();
    }
  });
});

describe('collect when the exchange refuses the WebSocket upgrade', () => {
  it('Binance 503 for a while and an Upbit 429: each refusal is an event naming the status, and collection resumes', async () => {
    const { fx, sql, collect } = await setUp();
    const refusedForMs = 3000;
    const armedMs = Date.now();
    fx.faults.rejectConnections('binance', { status: 503, durationMs: refusedForMs, retryAfter: 1, body: 'Service Unavailable: maintenance' });
    fx.faults.rejectConnections('upbit', { status: 429, count: 1, retryAfter: 2, keepAlive: true });
    fx.faults.dropConnections('all');
    const endMs = new Date(armedMs + refusedForMs).toISOString();
    await waitUntil(async () => (await count(sql, 'binance_mark_price_1s', `recv_ts > '${endMs}'`)) >= 2, 'mark prices after the refusals', 30_000);
    await waitUntil(async () => (await count(sql, 'market_1s', `recv_ts > '${endMs}'`)) >= 2, 'bars after the refusal', 30_000);
    await collect.stop();

    const binance = await eventsOf(sql, 'binance.ws');
    const refused = binance.filter((e) => e.kind === 'connect_error');
    // One event per refused handshake, each naming the status and what the server said.
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused).toHaveLength(fx.stats.binance.connectionsRejected);
    for (const e of refused) {
      expect(e.detail).toMatchObject({ httpStatus: 503, retryAfterSec: 1, body: 'Service Unavailable: maintenance' });
      // Retry-After counts from the response; the event is written just after it.
      expect(Date.parse(e.detail.pausedUntil)).toBeGreaterThan(e.ts.getTime());
    }
    const kinds = binance.map((e) => e.kind);
    expect(kinds.indexOf('reconnect')).toBeGreaterThan(kinds.indexOf('connect_error'));

    // A 429 is a rate limit, as for the REST calls.
    const upbit = await eventsOf(sql, 'upbit.ws');
    const limited = upbit.filter((e) => e.kind === 'rate_limited');
    expect(limited.map((e) => e.detail)).toMatchObject([{ httpStatus: 429, retryAfterSec: 2, body: 'Too Many Requests' }]);
    expect(upbit.map((e) => e.kind)).toContain('reconnect');
  });
});
