// Registered models beside the serving prediction: for every snapshot, the champion's and the
// shadow's class probabilities go to model_predictions (one row per model version), while the
// predictions row stays what it was (the API and exports read it). Order is the isolation: the
// snapshot and its predictions row are written first, then the champion's row, then the shadow is
// computed — so a shadow that throws, or is slow, can neither change nor delay the champion's row
// of that snapshot. Its error (or its overrun of the time budget) is recorded in its own row.
import { performance } from 'node:perf_hooks';
import { tableMeta, type Db } from '@cqt/db';
import { CLASS_COUNT, loadParams, modelFeatures, predictProba, type Dataset, type ModelParams } from '@cqt/models';
import type { SnapshotRows } from '@cqt/features';

export type Role = 'champion' | 'shadow';

export interface RoleModel {
  role: Role;
  version: number;
  horizonSec: number;
  params: ModelParams;
}

export interface RolePrediction {
  symbol: string;
  ts: Date;
  horizonSec: number;
  modelVersion: number;
  role: Role;
  pUp: number | null;
  pDown: number | null;
  pNone: number | null;
  latencyMs: number;
  error: string | null;
}

/** Champion first, then shadow; a version whose artifact does not load is skipped with a log line. */
export async function loadRoleModels(db: Db, log: (line: string) => void): Promise<RoleModel[]> {
  const rows = await db.sql<{ alias: Role; version: string; horizon_sec: number; artifact: { params: unknown } }[]>`
    select a.alias, a.version, v.horizon_sec, v.artifact from model_aliases a join model_versions v on v.id = a.version
    where a.alias in ('champion', 'shadow') order by a.alias`;
  const models: RoleModel[] = [];
  for (const r of rows) {
    try {
      models.push({ role: r.alias, version: Number(r.version), horizonSec: r.horizon_sec, params: loadParams(r.artifact.params) });
    } catch (err) {
      log(`predict: ${r.alias} version ${r.version} cannot be loaded, skipped: ${(err as Error).message}`);
    }
  }
  return models;
}

/** One snapshot as a one-row dataset with the model's columns (SQL names; r_t_used and cost from its prediction). */
export function snapshotDataset(params: ModelParams, rows: SnapshotRows): Dataset {
  const values: Record<string, unknown> = {};
  for (const { prop, name } of tableMeta('feature_snapshots').columns) values[name] = (rows.feature as Record<string, unknown>)[prop];
  values.r_t_used = rows.prediction.rT;
  values.cost_roundtrip_est = rows.prediction.costRoundtripEst;
  const features = modelFeatures(params);
  const x = new Float64Array(features.length);
  features.forEach((name, j) => {
    if (!(name in values)) throw new Error(`the snapshot has no column ${name}`);
    const v = values[name];
    x[j] = typeof v === 'number' && Number.isFinite(v) ? v : NaN;
  });
  const one = (v: unknown) => Float64Array.of(typeof v === 'number' && Number.isFinite(v) ? v : NaN);
  const t0 = (rows.feature.ts as Date).getTime();
  return {
    rows: 1,
    featureNames: features,
    x,
    y: new Uint8Array(1),
    t0Ms: Float64Array.of(t0),
    labelTsMs: Float64Array.of(t0),
    sigma: one(rows.prediction.sigma),
    halfWidth: one(rows.prediction.rT),
    horizonSec: one(rows.prediction.horizonSec),
    costRoundtrip: one(rows.prediction.costRoundtripEst),
    horizonReturn: one(null),
  };
}

/** One model on one snapshot; never throws (the error is the row's). */
export function predictRole(model: RoleModel, rows: SnapshotRows, budgetMs: number): RolePrediction {
  const started = performance.now();
  const base = {
    symbol: rows.feature.symbol as string,
    ts: rows.feature.ts as Date,
    horizonSec: rows.prediction.horizonSec as number,
    modelVersion: model.version,
    role: model.role,
  };
  try {
    if (model.horizonSec !== base.horizonSec) throw new Error(`the model predicts H = ${model.horizonSec} s, this run H = ${base.horizonSec} s`);
    const p = predictProba(model.params, snapshotDataset(model.params, rows));
    if (p.length !== CLASS_COUNT || !Array.from(p).every(Number.isFinite)) throw new Error('non-finite probabilities');
    const latencyMs = performance.now() - started;
    return { ...base, pUp: p[0], pDown: p[1], pNone: p[2], latencyMs, error: latencyMs > budgetMs ? `over budget: ${latencyMs.toFixed(1)} ms > ${budgetMs} ms` : null };
  } catch (err) {
    return { ...base, pUp: null, pDown: null, pNone: null, latencyMs: performance.now() - started, error: (err as Error).message.split('\n')[0] };
  }
}

export async function writeRolePredictions(db: Db, rows: readonly RolePrediction[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <T>(f: (r: RolePrediction) => T) => rows.map((r) => (f(r) === null ? null : String(f(r))));
  await db.sql`
    insert into model_predictions (symbol, ts, horizon_sec, model_version, role, p_up, p_down, p_none, latency_ms, error)
    select u.symbol, u.ts::timestamptz, u.h::int, u.v::bigint, u.role, u.p_up::float8, u.p_down::float8, u.p_none::float8, u.ms::float8, u.error
    from unnest(${col((r) => r.symbol)}::text[], ${col((r) => r.ts.toISOString())}::text[], ${col((r) => r.horizonSec)}::text[], ${col((r) => r.modelVersion)}::text[],
                ${col((r) => r.role)}::text[], ${col((r) => r.pUp)}::text[], ${col((r) => r.pDown)}::text[], ${col((r) => r.pNone)}::text[],
                ${col((r) => r.latencyMs)}::text[], ${col((r) => r.error)}::text[]) as u(symbol, ts, h, v, role, p_up, p_down, p_none, ms, error)
    on conflict (symbol, ts, horizon_sec, model_version) do update set role = excluded.role, p_up = excluded.p_up, p_down = excluded.p_down,
      p_none = excluded.p_none, latency_ms = excluded.latency_ms, error = excluded.error`;
}

/**
 * After a batch of snapshots is written: the champion's rows first (computed and written), then
 * the shadow's. Nothing here throws into the caller: a failure to write is logged.
 */
export async function runRoleModels(db: Db, models: readonly RoleModel[], batch: readonly SnapshotRows[], budgetMs: number, log: (line: string) => void): Promise<void> {
  for (const role of ['champion', 'shadow'] as const) {
    const model = models.find((m) => m.role === role);
    if (!model) continue;
    const rows = batch.map((snapshot) => predictRole(model, snapshot, budgetMs));
    try {
      await writeRolePredictions(db, rows);
    } catch (err) {
      log(`predict: ${role} version ${model.version} rows not written: ${(err as Error).message}`);
    }
  }
}
