// /api/predictions/latest: the newest prediction for (symbol, horizon) at as-of under the
// soft-stale rule. The class comes from the evaluator `cqt status` uses (the predictions source
// and its policy, classify()), and softStale() decides: fresh → 200; stale → 200 with a warning;
// hard_stale / corrupt → 503 with the last good prediction, its age and the reason. Whose rows: the
// champion's unless asked, else the baseline's with the reason (models.ts, decision 147); the rule
// judges the rows of the model served.
import { judgeSource, type SqlClient } from '@cqt/checks';
import { softStale, type FreshnessClass } from '@cqt/freshness';
import { latestTarget, watched, type ModelChoice, type ServedModel, type Target } from './models.js';

export interface Prediction {
  symbol: string;
  ts: string;
  horizonSec: number;
  sigma: number | null;
  rT: number | null;
  kVolEff: number | null;
  rMinEff: number | null;
  costRoundtripEst: number | null;
  pUp: number | null;
  pDown: number | null;
  pNone: number | null;
  /** The baseline's own (a registered model's row has none: null). */
  evRate: number | null;
  model: string | null;
  modelVersion: string | null;
  createdAt: string;
  /** A registered model's row only: why its inference failed (probabilities null then). */
  error?: string | null;
}

interface Judged {
  symbol: string;
  horizonSec: number;
  asOf: string;
  class: FreshnessClass;
  /** Seconds from the newest prediction's ts to as-of; null without any. */
  lagSec: number | null;
  /** Whose rows were judged and served. */
  model: ServedModel;
}

export type LatestAnswer =
  | { status: 200; body: Judged & { degraded: boolean; warning?: string; prediction: Prediction } }
  | { status: 503; body: Judged & { degraded: true; reason: string; lastGood: Prediction | null; lastGoodAgeSec: number | null } };

const COLUMNS = `symbol, ts, horizon_sec, sigma, r_t, k_vol_eff, r_min_eff, cost_roundtrip_est, p_up, p_down, p_none, ev_rate, model, model_version, created_at`;
// A registered model's row: its probabilities, the barrier inputs of the snapshot's baseline row.
const MODEL_COLUMNS = `m.symbol, m.ts, m.horizon_sec, p.sigma, p.r_t, p.k_vol_eff, p.r_min_eff, p.cost_roundtrip_est, m.p_up, m.p_down, m.p_none, null::float8 as ev_rate, m.created_at, m.error`;
// A good prediction has three finite probabilities (NaN sorts above Infinity in PostgreSQL).
const good = (alias: string) => ['p_up', 'p_down', 'p_none'].map((c) => `${alias}${c} > '-Infinity'::float8 and ${alias}${c} < 'Infinity'::float8`).join(' and ');

export async function latestPrediction(
  sql: SqlClient,
  { symbol, horizonSec, asOfMs, model = { by: 'default' } }: { symbol: string; horizonSec: number; asOfMs: number; model?: ModelChoice },
): Promise<LatestAnswer> {
  const target = await latestTarget(sql, model, { symbol, horizonSec, asOfMs });
  const { classification } = await judgeSource(sql, watched(target, symbol, horizonSec), asOfMs);
  const judged: Judged = { symbol, horizonSec, asOf: new Date(asOfMs).toISOString(), class: classification.class, lagSec: classification.lagSec, model: target.model };
  const serving = softStale(classification);
  if (serving.serve) {
    // Served classes have a newest row (no rows is hard_stale).
    const prediction = (await newest(sql, target, symbol, horizonSec, asOfMs, false))!;
    const body = { ...judged, degraded: classification.degraded, prediction };
    return { status: 200, body: serving.warning === null ? body : { ...body, warning: serving.warning } };
  }
  const lastGood = await newest(sql, target, symbol, horizonSec, asOfMs, true);
  const lastGoodAgeSec = lastGood ? Math.max(0, (asOfMs - Date.parse(lastGood.ts)) / 1000) : null;
  return { status: 503, body: { ...judged, degraded: true, reason: serving.reason, lastGood, lastGoodAgeSec } };
}

/** The newest prediction of the target that had been written by as-of (only good ones when `good`). */
async function newest(sql: SqlClient, target: Target, symbol: string, horizonSec: number, asOfMs: number, onlyGood: boolean): Promise<Prediction | null> {
  const asOf = new Date(asOfMs).toISOString();
  const [r] =
    target.version === null
      ? await sql.unsafe(
          `select ${COLUMNS} from predictions
            where symbol = $1 and horizon_sec = $2::int and ts <= $3::timestamptz and created_at <= $3::timestamptz ${onlyGood ? `and ${good('')}` : ''}
            order by ts desc limit 1`,
          [symbol, horizonSec, asOf],
        )
      : await sql.unsafe(
          `select ${MODEL_COLUMNS} from model_predictions m
             left join predictions p on p.symbol = m.symbol and p.ts = m.ts and p.horizon_sec = m.horizon_sec
            where m.symbol = $1 and m.horizon_sec = $2::int and m.model_version = $4::bigint and m.ts <= $3::timestamptz and m.created_at <= $3::timestamptz
              ${onlyGood ? `and ${good('m.')}` : ''}
            order by m.ts desc limit 1`,
          [symbol, horizonSec, asOf, target.version],
        );
  if (!r) return null;
  const num = (v: unknown) => (v === null ? null : Number(v));
  const prediction: Prediction = {
    symbol: r.symbol,
    ts: (r.ts as Date).toISOString(),
    horizonSec: Number(r.horizon_sec),
    sigma: num(r.sigma),
    rT: num(r.r_t),
    kVolEff: num(r.k_vol_eff),
    rMinEff: num(r.r_min_eff),
    costRoundtripEst: num(r.cost_roundtrip_est),
    pUp: num(r.p_up),
    pDown: num(r.p_down),
    pNone: num(r.p_none),
    evRate: num(r.ev_rate),
    model: target.version === null ? r.model : target.model.kind,
    modelVersion: target.version === null ? r.model_version : String(target.version),
    createdAt: (r.created_at as Date).toISOString(),
  };
  return target.version === null ? prediction : { ...prediction, error: r.error };
}
