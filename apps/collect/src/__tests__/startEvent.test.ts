// The collector's start event names the Binance streams it opens: the forceOrder liveness rules
// (@cqt/feeds streamHistory) end an up-interval at a new collector's start, but only for the
// streams that collector names, so one of several collectors restarting says nothing of the others.
import { expect, it } from 'vitest';
import postgres from 'postgres';
import { streamHistory } from '@cqt/feeds';
import { createTestDatabase } from '@cqt/test-support/pg';
import { collectorEnv, fakeExchange, startCollect, waitUntil } from './support.js';

it("records its streams in the start event, and a second collector's start ends the first one's up-interval", async () => {
  const fx = await fakeExchange({ seed: 7 });
  const pg = await createTestDatabase();
  const sql = postgres(pg.url, { max: 2, onnotice: () => {} });
  const events = async () =>
    (await sql`select ts, source, kind, detail from feed_events where source in ('collector', 'binance.ws') order by ts`.catch(() => [])).map((r) => ({
      tsMs: (r.ts as Date).getTime(),
      source: r.source as string,
      kind: r.kind as string,
      detail: r.detail as unknown,
    }));
  const connects = async () => (await events()).filter((e) => e.kind === 'connect').length;
  // The first collector is never stopped before the second starts: as after a kill -9, nothing
  // of it says it went away.
  const first = startCollect({ env: collectorEnv(fx), databaseUrl: pg.url });
  const collectors = [first];
  try {
    await waitUntil(async () => (await connects()) === 1, 'the first collector connected to Binance');
    const second = startCollect({ env: collectorEnv(fx), databaseUrl: pg.url });
    collectors.push(second);
    await waitUntil(async () => (await connects()) === 2, 'the second collector connected to Binance');
    const rows = await events();
    const starts = rows.filter((e) => e.kind === 'start');
    expect(starts).toHaveLength(2);
    for (const s of starts) expect(s.detail).toMatchObject({ symbols: ['BTCUSDT'], streams: ['btcusdt@markPrice@1s', 'btcusdt@forceOrder'] });
    const history = streamHistory(rows, 'BTCUSDT', Date.now());
    expect(history.spans.map((s) => s.end && s.end.kind === 'event' ? s.end.event.kind : null)).toEqual(['start', null]);
    expect(history.spans[0].toMs).toBe(starts[1].tsMs);
    // Another symbol's stream is not touched by these starts.
    expect(streamHistory(rows, 'ETHUSDT', Date.now()).events).toEqual([]);
  } finally {
    for (const c of collectors) await c.stop();
    await sql.end();
    await fx.close();
    await pg.drop();
  }
});
