import { expect, it } from 'vitest';
import { createWriter, dbStatus, runMigrations, schemaVersion, tableNames, type RowOf } from '../index.js';
import { describeBackends } from '@cqt/test-support/backends';
import postgres from 'postgres';

const T0 = Date.UTC(2026, 10, 23, 0, 0, 0);

function bars(symbol: string, n: number, offsetSec = 0): RowOf<'market_1s'>[] {
  return Array.from({ length: n }, (_, i) => ({
    symbol,
    ts: new Date(T0 + (offsetSec + i) * 1000),
    open: 100 + i,
    high: 101 + i,
    low: 99 + i,
    close: 100.5 + i,
    volume: 0.25,
    tradeCount: 3,
    recvTs: new Date(T0 + (offsetSec + i) * 1000 + 123),
  }));
}

describeBackends('storage', ({ db, backend }) => {
  it('migrates every contract table and reports the schema as up to date', async () => {
    const status = await dbStatus(db());
    expect(status.backend).toBe(backend);
    expect(status.schema.upToDate).toBe(true);
    expect(status.schema.applied).toBeGreaterThan(0);
    expect(status.tables.map((t) => t.table).sort()).toEqual([...tableNames].sort());
  });

  it('re-running migrations is a no-op', async () => {
    const before = await schemaVersion(db().sql);
    if (backend === 'postgres') {
      const url = (db().sql.options as unknown as { host: string[]; port: number[]; database: string; user: string });
      await runMigrations(() => postgres({ host: url.host[0], port: url.port[0], database: url.database, user: url.user, max: 1, onnotice: () => {} }));
    }
    expect(await schemaVersion(db().sql)).toEqual(before);
  });

  it('writes batches, and writing the same rows again neither fails nor duplicates', async () => {
    const w = createWriter(db(), 'market_1s', { batchRows: 700 });
    await w.write(bars('DUP', 2000));
    await w.flush();
    await w.write(bars('DUP', 2000).map((r) => ({ ...r, close: 7 })));
    await w.close();
    const [r] = await db().sql`select count(*)::int as n, count(distinct ts)::int as d, min(close) as lo, max(close) as hi from market_1s where symbol = 'DUP'`;
    expect(r).toEqual({ n: 2000, d: 2000, lo: 7, hi: 7 });
    expect(w.stats.written).toBe(4000);
    expect(w.stats.batches).toBe(6);
  });

  it('keeps the last of repeated keys inside one batch', async () => {
    const w = createWriter(db(), 'market_1s');
    const rows = [...bars('REP', 3), ...bars('REP', 3).map((r) => ({ ...r, close: -1 }))];
    await w.write(rows);
    await w.close();
    const got = await db().sql`select close from market_1s where symbol = 'REP' order by ts`;
    expect(got.map((g) => g.close)).toEqual([-1, -1, -1]);
    expect(w.stats.duplicatesInBatch).toBe(3);
  });

  it("'ignore' (first receipt wins) keeps the first of repeated keys inside one batch", async () => {
    const w = createWriter(db(), 'market_1s', { onConflict: 'ignore' });
    const rows = [...bars('REP1', 3), ...bars('REP1', 3).map((r) => ({ ...r, close: -1 }))];
    await w.write(rows);
    await w.close();
    const got = await db().sql`select close from market_1s where symbol = 'REP1' order by ts`;
    expect(got.map((g) => g.close)).toEqual([100.5, 101.5, 102.5]);
    expect(w.stats.duplicatesInBatch).toBe(3);
  });

  it("'ignore' keeps the existing row", async () => {
    const first = createWriter(db(), 'market_1s');
    await first.write(bars('IGN', 2));
    await first.close();
    const second = createWriter(db(), 'market_1s', { onConflict: 'ignore' });
    await second.write(bars('IGN', 2).map((r) => ({ ...r, close: 0 })));
    await second.close();
    const got = await db().sql`select close from market_1s where symbol = 'IGN' order by ts`;
    expect(got.map((g) => g.close)).toEqual([100.5, 101.5]);
  });

  it('round-trips timestamps to the millisecond, text with tabs/newlines/backslashes, and jsonb', async () => {
    const ts = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    const w = createWriter(db(), 'feed_events');
    const detail = { msg: 'tab\there\nnew "line" \\ back', n: 1.5, nested: { a: [1, null] } };
    await w.write([{ ts, source: 'test', kind: 'parse_error', symbol: 'a\tb\\c\nd', detail, gapFrom: ts, gapTo: new Date(ts.getTime() + 1001) }]);
    await w.close();
    const [r] = await db().sql`select ts, symbol, detail, gap_to, extract(epoch from ts)::float8 * 1000 as ms from feed_events where source = 'test'`;
    expect(r.ts.getTime()).toBe(ts.getTime());
    expect(r.ms).toBe(ts.getTime());
    expect(r.gap_to.getTime()).toBe(ts.getTime() + 1001);
    expect(r.symbol).toBe('a\tb\\c\nd');
    expect(r.detail).toEqual(detail);
  });

  it('round-trips text that array literals treat specially (the writer builds them itself)', async () => {
    const ts = new Date(Date.UTC(2026, 0, 2));
    const kinds = ['NULL', 'null', '', ' padded ', '{a,b}', 'x,y', '"quoted"', '\\"', '\\', 'é€😀'];
    const w = createWriter(db(), 'feed_events');
    await w.write(kinds.map((kind, i) => ({ ts: new Date(ts.getTime() + i), source: 'array-literal', kind, symbol: i % 2 ? null : kind, detail: { kind } })));
    await w.close();
    const got = await db().sql`select kind, symbol, detail from feed_events where source = 'array-literal' order by ts`;
    expect(got.map((r) => ({ ...r }))).toEqual(kinds.map((kind, i) => ({ kind, symbol: i % 2 ? null : kind, detail: { kind } })));
  });

  it('keeps JSON and text holding the six characters \\u0000, and refuses only a real NUL character', async () => {
    const ts = new Date(Date.UTC(2026, 0, 3));
    // A parse_error row worth keeping: the frame spelled a NUL escape, it did not contain a NUL.
    const escaped = String.raw`{"p":"\u0000"}`;
    const rejected: string[] = [];
    const w = createWriter(db(), 'feed_events', { onReject: (_rows, reason) => rejected.push(reason) });
    await w.write([
      { ts, source: 'nul-test', kind: 'escaped', symbol: escaped, detail: { raw: escaped, [escaped]: 1 } },
      { ts, source: 'nul-test', kind: 'real-in-json', detail: { raw: 'a\u0000b' } },
      { ts, source: 'nul-test', kind: 'real-in-key', detail: { ['a\u0000b']: 1 } },
      { ts, source: 'nul-test', kind: 'real-in-text', symbol: 'a\u0000b' },
    ]);
    await w.close();
    const got = await db().sql`select kind, symbol, detail from feed_events where source = 'nul-test'`;
    expect(got.map((r) => ({ ...r }))).toEqual([{ kind: 'escaped', symbol: escaped, detail: { raw: escaped, [escaped]: 1 } }]);
    expect(escaped).toHaveLength(14);
    expect(w.stats.rejected).toBe(3);
    expect(rejected).toEqual(['detail: contains a NUL character', 'detail: contains a NUL character', 'symbol: contains a NUL character']);
  });

  it('rejects non-finite numbers and rows the database refuses, and keeps the rest of the batch', async () => {
    const rejected: string[] = [];
    const w = createWriter(db(), 'market_1s', { onReject: (_rows, reason) => rejected.push(reason) });
    const rows = bars('BAD', 10);
    rows[2] = { ...rows[2], close: Number.NaN };
    rows[5] = { ...rows[5], high: Number.POSITIVE_INFINITY };
    rows[7] = { ...rows[7], recvTs: null as unknown as Date }; // NOT NULL violation in the database
    await w.write(rows);
    await w.close();
    const [r] = await db().sql`select count(*)::int as n from market_1s where symbol = 'BAD'`;
    expect(r.n).toBe(7);
    expect(w.stats.rejected).toBe(3);
    expect(rejected.join('\n')).toMatch(/close: NaN/);
    expect(rejected.join('\n')).toMatch(/high: Infinity/);
    expect(rejected.join('\n')).toMatch(/recv_ts/);
    const [nan] = await db().sql`select count(*)::int as n from market_1s where close = 'NaN'::float8`;
    expect(nan.n).toBe(0);
  });

  it('refuses each bad row once when later batches are prepared while one is in flight', async () => {
    const rejected: unknown[] = [];
    const w = createWriter(db(), 'market_1s', { batchRows: 100, onReject: (rows) => rejected.push(...rows) });
    const rows = bars('AHEAD', 450);
    rows[150] = { ...rows[150], close: Number.NaN };
    rows[420] = { ...rows[420], high: Number.NEGATIVE_INFINITY };
    rows[250] = { ...rows[250], recvTs: null as unknown as Date }; // refused by the database: bisected
    await w.write(rows);
    await w.close();
    const [r] = await db().sql`select count(*)::int as n, sum(extract(epoch from ts))::float8 as s from market_1s where symbol = 'AHEAD'`;
    const kept = rows.filter((_, i) => ![150, 250, 420].includes(i));
    expect(r).toEqual({ n: 447, s: kept.reduce((a, x) => a + x.ts!.getTime() / 1000, 0) });
    expect(rejected).toEqual([rows[150], rows[250], rows[420]]);
    expect(w.stats).toMatchObject({ written: 447, rejected: 3, batches: 5 });
  });

  it('applies back-pressure instead of growing the queue without bound', async () => {
    const w = createWriter(db(), 'market_1s', { batchRows: 100, maxQueueRows: 250 });
    let maxPending = 0;
    for (let i = 0; i < 20; i++) {
      await w.write(bars('BP', 100, i * 100));
      maxPending = Math.max(maxPending, w.pending);
    }
    await w.close();
    expect(maxPending).toBeLessThanOrEqual(250);
    const [r] = await db().sql`select count(*)::int as n from market_1s where symbol = 'BP'`;
    expect(r.n).toBe(2000);
  });

  it("'drop' overflow counts exactly what it dropped", async () => {
    const dropped: number[] = [];
    const w = createWriter(db(), 'market_1s', { batchRows: 1000, maxQueueRows: 150, overflow: 'drop', onDrop: (n) => dropped.push(n) });
    await w.write(bars('DROP', 400));
    await w.close();
    const [r] = await db().sql`select count(*)::int as n from market_1s where symbol = 'DROP'`;
    expect(r.n).toBe(150);
    expect(w.stats.dropped).toBe(250);
    expect(dropped).toEqual([250]);
  });
});

describeBackends('writer under connection loss', ({ db, backend }) => {
  it.runIf(backend === 'postgres')('retries a batch whose connection was killed and loses nothing', async () => {
    const retries: string[] = [];
    const w = createWriter(db(), 'market_1s', { batchRows: 200, retryBaseMs: 20, onRetry: (err) => retries.push(String((err as { code?: string }).code)) });
    const killer = postgres(process.env.CQT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', { max: 1, onnotice: () => {} });
    const [{ current_database: dbName }] = await db().sql`select current_database()`;
    try {
      for (let i = 0; i < 10; i++) {
        await w.write(bars('KILL', 200, i * 200));
        // Kill every connection to the test database (the killer itself is on another database).
        if (i % 3 === 1) await killer`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${dbName} and pid <> pg_backend_pid()`;
        await w.flush();
      }
      await w.close();
    } finally {
      await killer.end();
    }
    expect(retries.length).toBeGreaterThan(0);
    const [r] = await db().sql`select count(*)::int as n, count(distinct ts)::int as d from market_1s where symbol = 'KILL'`;
    expect(r).toEqual({ n: 2000, d: 2000 });
  });
});
