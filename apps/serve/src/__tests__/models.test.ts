// The API serves the champion unless asked (decisions 147, 148), on both backends over real HTTP on
// loopback: baseline rows in `predictions` and champion / shadow rows in `model_predictions` for
// the same snapshots, with different probabilities, so every check below fails if the wrong row
// is served. A champion without a usable row for the newest snapshot falls back to the baseline
// and says why; ?model= picks baseline, champion, shadow or a version; an unknown one is 400.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowOf } from '@cqt/db';
import { describeBackends } from '@cqt/test-support/backends';
import { AS_OF, SEC, insert, recordQueries, series, unindexedReads } from '@cqt/test-support/seed';
import { startServer, type RunningServer } from '../index.js';

const ENV = { CQT_UPBIT_MARKETS: 'KRW-A', CQT_BINANCE_SYMBOLS: 'AUSDT' };
const before = (sec: number) => AS_OF - sec * SEC;
const iso = (ms: number) => new Date(ms).toISOString();
/** 12 snapshots on the 5 s grid, the newest 5 s before as-of. */
const GRID = series({ lastTsMs: before(5), count: 12, stepSec: 5 });
const CHAMPION = 1;
const SHADOW = 2;
const SPARE = 3;

/** The baseline: p_up 0.30 … 0.311, written 200 ms after its ts. */
const baseline = (symbol: string): RowOf<'predictions'>[] =>
  GRID.map((t, i) => ({ symbol, ts: new Date(t), horizonSec: 120, sigma: 0.002, rT: 0.003, pUp: 0.3 + i / 1000, pDown: 0.3, pNone: 0.4 - i / 1000, evRate: 0.0001, model: 'barrier', modelVersion: '1', createdAt: new Date(t + 200) }));

interface ModelRow {
  symbol: string;
  ts: Date;
  horizonSec: number;
  modelVersion: number;
  role: string;
  pUp: number | null;
  pDown: number | null;
  pNone: number | null;
  latencyMs: number;
  error: string | null;
  createdAt: Date;
}

/** A registered model's rows, written 300 ms after their ts (after the baseline's, as cqt predict does). */
const modelRows = (symbol: string, version: number, role: string, ts: number[], pUp: number): ModelRow[] =>
  ts.map((t, i) => ({ symbol, ts: new Date(t), horizonSec: 120, modelVersion: version, role, pUp: pUp + i / 1000, pDown: 0.25, pNone: 0.75 - pUp - i / 1000, latencyMs: 1.5, error: null, createdAt: new Date(t + 300) }));

async function get(server: RunningServer, path: string) {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describeBackends('cqt serve: the champion unless asked', ({ db, backend }) => {
  let server: RunningServer;
  const latest = (query: string) => get(server, `/api/predictions/latest?${query}&asOf=${iso(AS_OF)}`);

  beforeAll(async () => {
    const sql = db().sql;
    for (const [id, kind] of [[CHAMPION, 'logreg'], [SHADOW, 'logreg'], [SPARE, 'baseline']] as const) {
      await sql`
        insert into model_versions (id, kind, sha256, horizon_sec, schema_hash, features, train_from_ts, train_to_ts, labels_to_ts, metrics, code_version, artifact)
        values (${id}, ${kind}, ${`sha-${id}`}, 120, 'schema', ${sql.json([])}, ${new Date(before(86_400))}, ${new Date(before(3600))}, ${new Date(before(3600))}, ${sql.json({})}, 'test', ${sql.json({})})`;
    }
    await sql`insert into model_aliases (alias, version) values ('champion', ${CHAMPION}), ('shadow', ${SHADOW})`;
    await insert(db(), 'predictions', [...baseline('KRW-A'), ...baseline('KRW-F'), ...baseline('KRW-E'), ...baseline('KRW-S')]);
    const rows: ModelRow[] = [
      // KRW-A: champion p_up 0.60 …, shadow 0.20 … on every snapshot; the spare version on the first 6 only (hard_stale on its own).
      ...modelRows('KRW-A', CHAMPION, 'champion', GRID, 0.6),
      ...modelRows('KRW-A', SHADOW, 'shadow', GRID, 0.2),
      ...modelRows('KRW-A', SPARE, 'shadow', GRID.slice(0, 6), 0.5),
      // KRW-F: the champion has no row for the newest snapshot (promoted since predict last looked).
      ...modelRows('KRW-F', CHAMPION, 'champion', GRID.slice(0, -1), 0.6),
      // KRW-E: the champion failed on the newest snapshot.
      ...modelRows('KRW-E', CHAMPION, 'champion', GRID.slice(0, -1), 0.6),
      { symbol: 'KRW-E', ts: new Date(GRID.at(-1)!), horizonSec: 120, modelVersion: CHAMPION, role: 'champion', pUp: null, pDown: null, pNone: null, latencyMs: 0.4, error: 'missing feature column basis', createdAt: new Date(GRID.at(-1)! + 300) },
      // KRW-S: the champion's newest row was over its time budget but has its probabilities.
      ...modelRows('KRW-S', CHAMPION, 'champion', GRID, 0.6).map((r, i) => (i === GRID.length - 1 ? { ...r, latencyMs: 300, error: 'over budget: 300.0 ms > 250 ms' } : r)),
    ];
    // model_predictions is not in the bulk writer's tables (cqt predict writes it row by row too).
    for (const r of rows) {
      await sql`
        insert into model_predictions (symbol, ts, horizon_sec, model_version, role, p_up, p_down, p_none, latency_ms, error, created_at)
        values (${r.symbol}, ${r.ts}, ${r.horizonSec}, ${r.modelVersion}, ${r.role}, ${r.pUp}, ${r.pDown}, ${r.pNone}, ${r.latencyMs}, ${r.error}, ${r.createdAt})`;
    }
    server = await startServer({ db: db(), env: ENV, port: 0 });
  });
  afterAll(async () => server?.close());

  describe('/api/predictions/latest', () => {
    it('serves the champion\'s probabilities for the newest snapshot and names it', async () => {
      const { status, body } = await latest('symbol=KRW-A');
      expect(status).toBe(200);
      expect(body).toMatchObject({ class: 'fresh', lagSec: 5, model: { role: 'champion', modelVersion: CHAMPION, kind: 'logreg' } });
      expect(body.model).not.toHaveProperty('fallbackFrom');
      // The champion's probabilities, the snapshot's barrier inputs from its baseline row; no ev_rate of its own.
      expect(body.prediction).toEqual({
        symbol: 'KRW-A', ts: iso(before(5)), horizonSec: 120, sigma: 0.002, rT: 0.003, kVolEff: null, rMinEff: null, costRoundtripEst: null,
        pUp: 0.611, pDown: 0.25, pNone: 0.139, evRate: null, model: 'logreg', modelVersion: String(CHAMPION), createdAt: iso(before(5) + 300), error: null,
      });
    });

    it('?model=baseline, shadow, champion and a version number select explicitly', async () => {
      const base = await latest('symbol=KRW-A&model=baseline');
      expect(base).toMatchObject({ status: 200, body: { model: { role: 'baseline', modelVersion: null, kind: 'baseline' }, prediction: { pUp: 0.311, model: 'barrier', evRate: 0.0001 } } });
      const shadow = await latest('symbol=KRW-A&model=shadow');
      expect(shadow).toMatchObject({ status: 200, body: { class: 'fresh', model: { role: 'shadow', modelVersion: SHADOW, kind: 'logreg' }, prediction: { pUp: 0.2 + 11 / 1000, modelVersion: String(SHADOW) } } });
      const champion = await latest('symbol=KRW-A&model=champion');
      expect(champion.body).toMatchObject({ model: { role: 'champion', modelVersion: CHAMPION }, prediction: { pUp: 0.611 } });
      const byNumber = await latest(`symbol=KRW-A&model=${SHADOW}`);
      expect(byNumber.body).toMatchObject({ model: { role: 'shadow', modelVersion: SHADOW }, prediction: { pUp: 0.2 + 11 / 1000 } });
    });

    it('the soft-stale rule judges the rows of the model served: a version whose rows stopped is stale while the baseline is fresh', async () => {
      // Its newest row is the 6th of 12, 35 s before as-of (the baseline's newest: 5 s).
      const { status, body } = await latest(`symbol=KRW-A&model=${SPARE}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ class: 'stale', lagSec: 35, warning: 'stale: lag 35 s > stale after 15 s', model: { role: null, modelVersion: SPARE, kind: 'baseline' }, prediction: { ts: iso(before(35)), pUp: 0.505 } });
      // Past hard stale (120 s) its last good row comes with a 503, as the baseline's would.
      const late = await get(server, `/api/predictions/latest?symbol=KRW-A&model=${SPARE}&asOf=${iso(before(35) + 121_000)}`);
      expect(late).toMatchObject({ status: 503, body: { class: 'hard_stale', model: { modelVersion: SPARE }, lastGood: { ts: iso(before(35)), pUp: 0.505 }, lastGoodAgeSec: 121 } });
    });

    it('a champion with no row for the newest snapshot falls back to the baseline and says why', async () => {
      const { status, body } = await latest('symbol=KRW-F');
      expect(status).toBe(200);
      expect(body.model).toEqual({
        role: 'baseline', modelVersion: null, kind: 'baseline', fallbackFrom: 'champion',
        reason: `champion (version ${CHAMPION}, logreg) has no row for the newest snapshot ${iso(before(5))} (cqt predict has not picked up the promotion, or is not running)`,
      });
      expect(body.prediction).toMatchObject({ ts: iso(before(5)), pUp: 0.311, model: 'barrier' });
      // Asked for by name, the champion's own newest row is served, stale or not.
      const asked = await latest('symbol=KRW-F&model=champion');
      expect(asked.body).toMatchObject({ class: 'fresh', lagSec: 10, model: { role: 'champion' }, prediction: { ts: iso(before(10)), pUp: 0.61 } });
    });

    it('a champion that failed on the newest snapshot falls back with its error', async () => {
      const { body } = await latest('symbol=KRW-E');
      expect(body.model).toMatchObject({ role: 'baseline', fallbackFrom: 'champion', reason: `champion (version ${CHAMPION}, logreg) failed on the newest snapshot ${iso(before(5))}: missing feature column basis` });
      expect(body.prediction.pUp).toBe(0.311);
      const asked = await latest('symbol=KRW-E&model=champion');
      expect(asked.body.prediction).toMatchObject({ ts: iso(before(5)), pUp: null, error: 'missing feature column basis' });
    });

    it('a champion row over its time budget still has its probabilities: served, its error shown', async () => {
      const { body } = await latest('symbol=KRW-S');
      expect(body.model).toEqual({ role: 'champion', modelVersion: CHAMPION, kind: 'logreg' });
      expect(body.prediction).toMatchObject({ ts: iso(before(5)), pUp: 0.611, error: 'over budget: 300.0 ms > 250 ms' });
    });

    it('between the baseline row and the champion\'s (as-of in the 100 ms between them) the baseline is served, named as a fallback', async () => {
      const { body } = await get(server, `/api/predictions/latest?symbol=KRW-A&asOf=${iso(before(5) + 250)}`);
      expect(body.model).toMatchObject({ role: 'baseline', fallbackFrom: 'champion' });
      expect(body.prediction).toMatchObject({ ts: iso(before(5)), pUp: 0.311 });
      const after = await get(server, `/api/predictions/latest?symbol=KRW-A&asOf=${iso(before(5) + 300)}`);
      expect(after.body.prediction).toMatchObject({ ts: iso(before(5)), pUp: 0.611 });
    });

    it.each([
      ['model=bogus', 'unknown model "bogus"'],
      ['model=0', 'unknown model "0"'],
      ['model=99', 'unknown model version 99'],
      ['model=champion&model=shadow', 'parameter model given 2 times'],
    ])('?%s → 400 with one line', async (query, error) => {
      const { status, body } = await latest(`symbol=KRW-A&${query}`);
      expect(status).toBe(400);
      expect(body.error).toBe(error);
      expect(body.error).not.toContain('\n');
      expect(body.hint).toBeTruthy();
    });
  });

  describe('/api/series of probabilities', () => {
    const range = `from=${iso(before(600))}&to=${iso(AS_OF)}&points=1`;
    it('p_up is the champion\'s by default, the baseline\'s or the shadow\'s when asked; the baseline\'s own columns stay its', async () => {
      const champion = await get(server, `/api/series?source=predictions&column=p_up&symbol=KRW-A&${range}`);
      expect(champion).toMatchObject({ status: 200, body: { model: { role: 'champion', modelVersion: CHAMPION }, rows: 12, buckets: { min: [0.6], max: [0.611] } } });
      const base = await get(server, `/api/series?source=predictions&column=p_up&symbol=KRW-A&model=baseline&${range}`);
      expect(base.body).toMatchObject({ model: { role: 'baseline' }, buckets: { min: [0.3], max: [0.311] } });
      const shadow = await get(server, `/api/series?source=predictions&column=p_up&symbol=KRW-A&model=shadow&${range}`);
      expect(shadow.body).toMatchObject({ model: { role: 'shadow', modelVersion: SHADOW }, buckets: { max: [0.2 + 11 / 1000] } });
      const sigma = await get(server, `/api/series?source=predictions&column=ev_rate&symbol=KRW-A&${range}`);
      expect(sigma.body).toMatchObject({ model: { role: 'baseline' }, buckets: { max: [0.0001] } });
    });

    it('a champion with no row in the range falls back to the baseline and says so', async () => {
      const { body } = await get(server, `/api/series?source=predictions&column=p_up&symbol=KRW-A&from=${iso(before(7200))}&to=${iso(before(3600))}&points=1`);
      expect(body).toMatchObject({ rows: 0, model: { role: 'baseline', fallbackFrom: 'champion' } });
      expect(body.model.reason).toMatch(/^champion \(version 1, logreg\) has no row in /);
    });

    it.each([
      ['source=predictions&column=p_up&symbol=KRW-A&model=bogus', 'unknown model "bogus"'],
      ['source=predictions&column=sigma&symbol=KRW-A&model=champion', 'column sigma of predictions is the baseline\'s only'],
      ['source=market_1s&column=mid&symbol=KRW-A&model=champion', 'parameter model does not apply to market_1s'],
    ])('%s → 400 with one line', async (query, error) => {
      const { status, body } = await get(server, `/api/series?${query}`);
      expect(status).toBe(400);
      expect(body.error).toBe(error);
    });
  });

  it('the dashboard\'s probability chart is the champion\'s; its ev_rate chart the baseline\'s', async () => {
    const { status, body } = await get(server, `/api/dashboard?market=KRW-A&horizon=120&span=10m&asOf=${iso(AS_OF)}`);
    expect(status).toBe(200);
    const lines = (id: string) => body.charts.find((c: { id: string }) => c.id === id).lines;
    const [pUp] = lines('probabilities');
    expect(pUp.series).toMatchObject({ column: 'p_up', model: { role: 'champion', modelVersion: CHAMPION }, rows: 12 });
    expect(Math.max(...pUp.series.buckets.max)).toBe(0.611);
    expect(lines('ev')[0].series).toMatchObject({ model: { role: 'baseline' }, rows: 12 });
  });

  it.runIf(backend === 'postgres')('choosing the model reads only key ranges: no query needs a sequential scan', async () => {
    const recorded = recordQueries(db());
    const probe = await startServer({ db: recorded.db, env: ENV, port: 0 });
    try {
      for (const query of ['symbol=KRW-A', 'symbol=KRW-F', 'symbol=KRW-E', 'symbol=KRW-A&model=shadow', `symbol=KRW-A&model=${SPARE}`]) {
        await get(probe, `/api/predictions/latest?${query}&asOf=${AS_OF}`);
      }
      await get(probe, `/api/series?source=predictions&column=p_up&symbol=KRW-A&to=${AS_OF}`);
      await get(probe, `/api/series?source=predictions&column=p_down&symbol=KRW-A&model=${SPARE}&to=${AS_OF}`);
    } finally {
      await probe.close();
    }
    expect(recorded.queries.some(([q]) => q.includes('model_predictions'))).toBe(true);
    expect(await unindexedReads(db(), recorded.queries)).toEqual([]);
  });

  it('without a champion the baseline is served, not as a fallback', async () => {
    await db().sql`delete from model_aliases where alias = 'champion'`;
    const { body } = await latest('symbol=KRW-A');
    expect(body.model).toEqual({ role: 'baseline', modelVersion: null, kind: 'baseline' });
    expect(body.prediction.pUp).toBe(0.311);
    const asked = await latest('symbol=KRW-A&model=champion');
    expect(asked).toMatchObject({ status: 400, body: { error: 'no champion model in the registry' } });
  });
});
