// Bulk-writer throughput on both backends against a raw COPY baseline measured in the same run:
// PostgreSQL — COPY FROM STDIN through postgres.js into the same empty table (no upsert, no
// dedupe); embedded — PGlite's own COPY FROM '/dev/blob' in-process. The writer (unnest upsert)
// goes through postgres.js, on the embedded store via the owner's socket. Rows are 1 s market bars.
// Embedded, the writer's own statement is also run on PGlite in-process (no socket, no postgres.js,
// its parameters made before the clock starts): what PGlite alone takes for it, so the rows show
// where the writer's time goes — PGlite executing the statement, or the socket and the client
// (decision 157).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createWriter, openDb, unnestStatement, type Db, type RowOf } from '@cqt/db';
import { sized, withBenchDatabase, type BenchRow, type BenchSuite } from './harness.js';

const ROWS = Number(process.env.CQT_BENCH_DB_ROWS ?? sized(100_000, 5_000));
const T0 = Date.UTC(2026, 10, 23);
const BATCH_ROWS = 10_000;

function bars(symbol: string): RowOf<'market_1s'>[] {
  return Array.from({ length: ROWS }, (_, i) => ({
    symbol,
    ts: new Date(T0 + i * 1000),
    open: 1e8 + i,
    high: 1e8 + i + 5,
    low: 1e8 + i - 5,
    close: 1e8 + i + 1,
    volume: 0.0123,
    quoteVolume: 1_230_000,
    tradeCount: 7,
    buyVolume: 0.01,
    sellVolume: 0.0023,
    vwap: 1e8 + i,
    bestBid: 1e8 + i - 1000,
    bestAsk: 1e8 + i + 1000,
    bidSize: 0.5,
    askSize: 0.7,
    mid: 1e8 + i,
    spreadBps: 0.2,
    bookTs: new Date(T0 + i * 1000 + 900),
    recvTs: new Date(T0 + i * 1000 + 1020),
  }));
}

const COLS = 'symbol, ts, open, high, low, close, volume, quote_volume, trade_count, buy_volume, sell_volume, vwap, best_bid, best_ask, bid_size, ask_size, mid, spread_bps, book_ts, recv_ts';

function copyText(symbol: string): string {
  const lines: string[] = [];
  for (const r of bars(symbol)) {
    lines.push(
      [r.symbol, r.ts!.toISOString(), r.open, r.high, r.low, r.close, r.volume, r.quoteVolume, r.tradeCount, r.buyVolume, r.sellVolume, r.vwap, r.bestBid, r.bestAsk, r.bidSize, r.askSize, r.mid, r.spreadBps, r.bookTs!.toISOString(), r.recvTs!.toISOString()].join('\t'),
    );
  }
  return `${lines.join('\n')}\n`;
}

async function writerRate(db: Db, symbol: string): Promise<{ insert: number; upsert: number }> {
  const rows = bars(symbol);
  const time = async () => {
    const w = createWriter(db, 'market_1s', { batchRows: BATCH_ROWS });
    const start = performance.now();
    await w.write(rows);
    await w.close();
    return ROWS / ((performance.now() - start) / 1000);
  };
  const insert = await time();
  const upsert = await time(); // every row now conflicts and is updated
  return { insert, upsert };
}

async function postgresRows(): Promise<BenchRow[]> {
  return withBenchDatabase('writer', async (db) => {
    const text = copyText('COPY');
    const start = performance.now();
    const w = await db.sql.unsafe(`copy market_1s (${COLS}) from stdin`).writable();
    await pipeline(Readable.from([text]), w);
    const copyRate = ROWS / ((performance.now() - start) / 1000);
    const { insert, upsert } = await writerRate(db, 'W');
    return [
      { name: `postgres writer, new rows (${ROWS} rows)`, value: insert, unit: 'rows/s', baseline: copyRate, baselineName: 'raw COPY', ratio: insert / copyRate },
      { name: `postgres writer, all conflicts (${ROWS} rows)`, value: upsert, unit: 'rows/s', baseline: copyRate, baselineName: 'raw COPY', ratio: upsert / copyRate },
    ];
  });
}

async function embeddedRows(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cqt-bench-'));
  try {
    // Baseline: PGlite's own COPY in-process, into the same table shape.
    const raw = await PGlite.create(join(dir, 'raw'));
    const db0 = await openDb({ dataDir: join(dir, 'schema-source') });
    const [{ ddl }] = await db0.sql`select 'create table market_1s (' || string_agg(format('%I %s', attname, format_type(atttypid, atttypmod)), ', ' order by attnum) || ', primary key (symbol, ts))' as ddl
      from pg_attribute where attrelid = 'market_1s'::regclass and attnum > 0 and not attisdropped`;
    await db0.close();
    await raw.exec(ddl as string);
    const blob = new Blob([copyText('COPY')]);
    const start = performance.now();
    await raw.query(`copy market_1s (${COLS}) from '/dev/blob'`, [], { blob });
    const copyRate = ROWS / ((performance.now() - start) / 1000);
    const statementRate = await inProcessStatementRate(raw, ddl as string);
    await raw.close();

    const db = await openDb({ dataDir: join(dir, 'store') });
    try {
      const { insert, upsert } = await writerRate(db, 'W');
      return [
        { name: `embedded writer via socket, new rows (${ROWS} rows)`, value: insert, unit: 'rows/s', baseline: copyRate, baselineName: 'PGlite COPY in-process', ratio: insert / copyRate },
        { name: `embedded writer via socket, all conflicts (${ROWS} rows)`, value: upsert, unit: 'rows/s', baseline: copyRate, baselineName: 'PGlite COPY in-process', ratio: upsert / copyRate },
        { name: `embedded writer's statement, PGlite in-process, new rows (${ROWS} rows)`, value: statementRate, unit: 'rows/s', baseline: copyRate, baselineName: 'PGlite COPY in-process', ratio: statementRate / copyRate },
        { name: `embedded writer via socket vs its statement in-process, new rows (${ROWS} rows)`, value: insert, unit: 'rows/s', baseline: statementRate, baselineName: "writer's statement in-process", ratio: insert / statementRate },
      ];
    } finally {
      await db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The writer's statement (same batches, same text and parameters) run on PGlite in-process into a
 * fresh copy of the table: PGlite's own share of the writer's time. Parameters are made first.
 */
async function inProcessStatementRate(raw: PGlite, ddl: string): Promise<number> {
  await raw.exec(`create schema stmt; set search_path = stmt; ${ddl}`);
  const rows = bars('S');
  const batches = [];
  for (let i = 0; i < rows.length; i += BATCH_ROWS) batches.push(unnestStatement('market_1s', rows.slice(i, i + BATCH_ROWS)));
  const start = performance.now();
  for (const { text, params } of batches) await raw.query(text, params);
  const rate = ROWS / ((performance.now() - start) / 1000);
  const [{ n }] = (await raw.query<{ n: number }>(`select count(*)::int as n from stmt.market_1s`)).rows;
  if (n !== ROWS) throw new Error(`in-process statement stored ${n} rows, not ${ROWS}`);
  return rate;
}

export const suite: BenchSuite = {
  name: 'db bulk writer',
  async run() {
    return [...(await postgresRows()), ...(await embeddedRows())];
  },
};
