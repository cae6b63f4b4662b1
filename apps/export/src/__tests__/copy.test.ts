// The store → CSV copy the export reads raw tables and snapshots with (decision 158), on both
// backends: a client whose one connection has served several COPYs of more than a stream buffer
// each still answers its next query. postgres.js left the socket paused when a copy's last data
// filled the stream's buffer with CopyDone in the same chunk (porsager/postgres#499): the next
// query on that connection never returned.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createWriter, openDb, type Db, type RowOf } from '@cqt/db';
import { describeBackends } from '@cqt/test-support/backends';
import { tempDir } from '@cqt/test-support/tmp';
import { copyRawCsv, rawSpecs } from '../sources.js';

const T0 = Date.UTC(2026, 10, 20);
const BARS = 3000;

describeBackends('store → CSV copy', ({ db }) => {
  const out = tempDir('cqt-export-copy-');
  let client: Db;
  beforeAll(async () => {
    const w = createWriter(db(), 'market_1s', { batchRows: 5000 });
    const bars: RowOf<'market_1s'>[] = [];
    for (let i = 0; i < BARS; i++) bars.push({ symbol: 'KRW-BTC', ts: new Date(T0 + i * 1000), mid: 1e8 + i / 3, close: 1e8 + i / 7, volume: 0.1, spreadBps: 0.1, recvTs: new Date(T0 + i * 1000 + 1800) });
    await w.write(bars);
    await w.close();
    // One connection, so every copy and query below share its socket.
    client = await openDb({ ...(db().backend === 'postgres' ? { databaseUrl: urlOf(db()), skipMigrations: true } : { dataDir: db().location, clientOnly: true }), maxConnections: 1 });
  });
  afterAll(async () => {
    await client?.close();
    out.remove();
  });

  it('each copy is followed by an answered query on the same connection, and holds every row of its range', async () => {
    const [market] = rawSpecs('KRW-BTC', 'BTCUSDT');
    for (let i = 0; i < 5; i++) {
      // 500 bars: ~40 KB of CSV, more than the stream's 16 KB buffer, often in one socket chunk.
      const file = join(out.path, `market-${i}.csv`);
      await copyRawCsv(client.sql, market, T0 + i * 500_000 - 1, T0 + i * 500_000 + 499_000, file);
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(500);
      expect(lines[0].split(',').slice(0, 3)).toEqual([String((T0 + i * 500_000 + 1800) * 1000), String((T0 + i * 500_000) * 1000), String((T0 + i * 500_000) * 1000)]);
      const [{ n }] = await client.sql<{ n: number }[]>`select ${i}::int as n`;
      expect(n).toBe(i);
    }
  });
});

function urlOf(db: Db): string {
  const o = db.sql.options as unknown as { host: string[]; port: number[]; database: string; user: string };
  return `postgres://${o.user}@${o.host[0]}:${o.port[0]}/${o.database}`;
}
