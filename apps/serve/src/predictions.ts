// /api/predictions/latest: the newest prediction for (symbol, horizon) at as-of under the
// soft-stale rule. The class comes from the evaluator `cqt status` uses (the predictions source
// and its policy, classify()), and softStale() decides: fresh → 200; stale → 200 with a warning;
// hard_stale / corrupt → 503 with the last good prediction, its age and the reason.
import { judgeSource, watch, type SqlClient } from '@cqt/checks';
import { softStale, type FreshnessClass } from '@cqt/freshness';

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
  evRate: number | null;
  model: string | null;
  modelVersion: string | null;
  createdAt: string;
}

interface Judged {
  symbol: string;
  horizonSec: number;
  asOf: string;
  class: FreshnessClass;
  /** Seconds from the newest prediction's ts to as-of; null without any. */
  lagSec: number | null;
}

export type LatestAnswer =
  | { status: 200; body: Judged & { degraded: boolean; warning?: string; prediction: Prediction } }
  | { status: 503; body: Judged & { degraded: true; reason: string; lastGood: Prediction | null; lastGoodAgeSec: number | null } };

const COLUMNS = `symbol, ts, horizon_sec, sigma, r_t, k_vol_eff, r_min_eff, cost_roundtrip_est, p_up, p_down, p_none, ev_rate, model, model_version, created_at`;
// A good prediction has three finite probabilities (NaN sorts above Infinity in PostgreSQL).
const GOOD = ['p_up', 'p_down', 'p_none'].map((c) => `${c} > '-Infinity'::float8 and ${c} < 'Infinity'::float8`).join(' and ');

export async function latestPrediction(sql: SqlClient, { symbol, horizonSec, asOfMs }: { symbol: string; horizonSec: number; asOfMs: number }): Promise<LatestAnswer> {
  const { classification } = await judgeSource(sql, watch.predictions(symbol, horizonSec), asOfMs);
  const judged: Judged = { symbol, horizonSec, asOf: new Date(asOfMs).toISOString(), class: classification.class, lagSec: classification.lagSec };
  const serving = softStale(classification);
  if (serving.serve) {
    // Served classes have a newest row (no rows is hard_stale).
    const prediction = (await newest(sql, symbol, horizonSec, asOfMs, false))!;
    const body = { ...judged, degraded: classification.degraded, prediction };
    return { status: 200, body: serving.warning === null ? body : { ...body, warning: serving.warning } };
  }
  const lastGood = await newest(sql, symbol, horizonSec, asOfMs, true);
  const lastGoodAgeSec = lastGood ? Math.max(0, (asOfMs - Date.parse(lastGood.ts)) / 1000) : null;
  return { status: 503, body: { ...judged, degraded: true, reason: serving.reason, lastGood, lastGoodAgeSec } };
}

/** The newest prediction that had been written by as-of (only good ones when `good`). */
async function newest(sql: SqlClient, symbol: string, horizonSec: number, asOfMs: number, good: boolean): Promise<Prediction | null> {
  const asOf = new Date(asOfMs).toISOString();
  const [r] = await sql.unsafe(
    `select ${COLUMNS} from predictions
      where symbol = $1 and horizon_sec = $2::int and ts <= $3::timestamptz and created_at <= $3::timestamptz ${good ? `and ${GOOD}` : ''}
      order by ts desc limit 1`,
    [symbol, horizonSec, asOf],
  );
  if (!r) return null;
  const num = (v: unknown) => (v === null ? null : Number(v));
  return {
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
    model: r.model,
    modelVersion: r.model_version,
    createdAt: (r.created_at as Date).toISOString(),
  };
}
