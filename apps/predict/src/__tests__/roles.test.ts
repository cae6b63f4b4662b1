// cqt predict with a registered champion and shadow: both get a model_predictions row per
// snapshot; a shadow that throws records its error and changes neither the champion's row nor the
// serving predictions row.
import { beforeAll, expect, it } from 'vitest';
import type { Db } from '@cqt/db';
import { unfittedBaseline, type ModelParams } from '@cqt/models';
import { describeBackends } from '@cqt/test-support/backends';
import { SEC } from '@cqt/test-support/seed';
import { BINANCE, SYMBOL, seed, syntheticMarket } from '@cqt/test-support/syntheticMarket';
import { run, type RunResult } from '../index.js';

const ENV = { CQT_UPBIT_MARKETS: SYMBOL, CQT_BINANCE_SYMBOLS: BINANCE, CQT_FEE_PER_SIDE_BPS: '5', BINANCE_POLL_SEC: '60' };
const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const RANGE = { backfill: true, from: new Date(T0 - 2 * 60 * SEC).toISOString(), to: String(T0), intervalSec: 5, horizonSec: 60 };

async function addVersion(db: Db, name: string, params: ModelParams, horizonSec = 60): Promise<number> {
  const t = new Date(T0 - 86_400_000);
  const [{ id }] = await db.sql<{ id: string }[]>`
    insert into model_versions (kind, sha256, horizon_sec, schema_hash, features, train_from_ts, train_to_ts, labels_to_ts, metrics, code_version, artifact)
    values (${params.kind}, ${name}, ${horizonSec}, 'test', ${db.sql.json([])}, ${t}, ${t}, ${t}, ${db.sql.json({})}, 'test', ${db.sql.json({ params } as never)})
    returning id`;
  return Number(id);
}

async function point(db: Db, alias: string, version: number): Promise<void> {
  await db.sql`insert into model_aliases (alias, version) values (${alias}, ${version}) on conflict (alias) do update set version = excluded.version`;
}

const logreg = (features: string[]): ModelParams => ({
  kind: 'logreg',
  features,
  mean: features.map(() => 0),
  scale: features.map(() => 1),
  coef: [features.map(() => 0.5), features.map(() => -0.5), features.map(() => 0)],
  intercept: [0, 0, 0],
  l2: 0,
  fit: { iterations: 0, evaluations: 0, converged: true, reason: 'test', loss: 0, gradMax: 0, rows: 0 },
});

describeBackends('cqt predict with champion and shadow', ({ db }) => {
  const predictionsRows = () => db().sql`select ts, p_up, p_down, p_none, model, model_version from predictions order by ts`;
  const roleRows = (role: string) =>
    db().sql<{ ts: Date; model_version: string; p_up: number | null; p_down: number | null; p_none: number | null; error: string | null }[]>`
      select ts, model_version, p_up, p_down, p_none, error from model_predictions where role = ${role} order by ts`;

  beforeAll(async () => {
    await seed(db(), syntheticMarket(5, T0 - 20 * 60 * SEC, T0 + 60 * SEC));
  });

  it('without registered models nothing is added; with them, one row per snapshot each, and a throwing shadow only records its error', async () => {
    const plain = (await run({ db: db(), env: ENV, ...RANGE, log: () => {} })) as RunResult;
    expect(plain.written).toBe(25);
    const served = await predictionsRows();
    expect(await roleRows('champion')).toHaveLength(0);

    const champion = await addVersion(db(), 'champion', unfittedBaseline());
    const broken = await addVersion(db(), 'broken-shadow', logreg(['ret_60s', 'no_such_column']));
    await point(db(), 'champion', champion);
    await point(db(), 'shadow', broken);
    const withRoles = (await run({ db: db(), env: ENV, ...RANGE, log: () => {} })) as RunResult;
    expect(withRoles).toMatchObject({ written: 25, failed: 0 });
    // The serving row is untouched.
    expect(await predictionsRows()).toEqual(served);
    const championRows = await roleRows('champion');
    expect(championRows).toHaveLength(25);
    for (const [i, r] of championRows.entries()) {
      expect(r.error).toBeNull();
      // The champion here is the unfitted baseline: the same probabilities as the serving row.
      expect(r.p_up).toBeCloseTo(served[i].p_up as number, 12);
      expect(r.p_up! + r.p_down! + r.p_none!).toBeCloseTo(1, 12);
    }
    const shadowRows = await roleRows('shadow');
    expect(shadowRows).toHaveLength(25);
    expect(shadowRows.every((r) => r.p_up === null && r.error === 'the snapshot has no column no_such_column')).toBe(true);

    // A working shadow: its own rows, the champion's unchanged.
    const working = await addVersion(db(), 'working-shadow', logreg(['ret_60s', 'book_imbalance', 'r_t_used']));
    await point(db(), 'shadow', working);
    await run({ db: db(), env: ENV, ...RANGE, log: () => {} });
    expect(await roleRows('champion')).toEqual(championRows);
    const workingRows = (await roleRows('shadow')).filter((r) => Number(r.model_version) === working);
    expect(workingRows).toHaveLength(25);
    expect(workingRows.every((r) => r.error === null && r.p_up! > 0 && Math.abs(r.p_up! + r.p_down! + r.p_none! - 1) < 1e-12)).toBe(true);
  });

  it('a model of another horizon records why instead of predicting', async () => {
    const other = await addVersion(db(), 'h300', unfittedBaseline(), 300);
    await point(db(), 'shadow', other);
    await run({ db: db(), env: ENV, ...RANGE, log: () => {} });
    const rows = (await roleRows('shadow')).filter((r) => Number(r.model_version) === other);
    expect(rows).toHaveLength(25);
    expect(rows[0].error).toBe('the model predicts H = 300 s, this run H = 60 s');
  });

  it('a prediction over the time budget keeps its probabilities and says so', async () => {
    const working = await addVersion(db(), 'budgeted', logreg(['ret_60s', 'book_imbalance']));
    await point(db(), 'shadow', working);
    // A budget of 0 ms: every prediction takes longer than that.
    await run({ db: db(), env: ENV, ...RANGE, roleBudgetMs: 0, log: () => {} });
    const rows = (await roleRows('shadow')).filter((r) => Number(r.model_version) === working);
    expect(rows).toHaveLength(25);
    expect(rows.every((r) => r.p_up !== null && /^over budget: [\d.]+ ms > 0 ms$/.test(r.error ?? ''))).toBe(true);
  });
});
