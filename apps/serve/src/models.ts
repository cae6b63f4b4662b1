// Which model's probabilities a prediction endpoint serves (decision 147). `cqt predict` writes the
// Brownian baseline to `predictions` and the registered champion and shadow to `model_predictions`
// beside it; the API serves the champion unless asked (`?model=baseline|champion|shadow|<version>`).
import { UsageError } from '@cqt/config';
import { defaultPolicies } from '@cqt/freshness';
import { watch, type SqlClient, type Watched } from '@cqt/checks';
import { one, type Query } from './params.js';

export type Alias = 'champion' | 'shadow';

/** What the request asked for: nothing (the champion, else the baseline), or one model. */
export type ModelChoice = { by: 'default' } | { by: 'baseline' } | { by: 'alias'; alias: Alias } | { by: 'version'; version: number };

/** The model whose rows an answer holds, as the response names it. */
export interface ServedModel {
  /** champion / shadow: the version's alias now; null for a version asked by number that has none. */
  role: 'baseline' | Alias | null;
  /** The registry version (model_versions.id); null for the baseline. */
  modelVersion: number | null;
  kind: string;
  /** Set when the default (the champion) could not be served and the baseline was. */
  fallbackFrom?: 'champion';
  reason?: string;
}

/** Rows of the baseline (`predictions`), or of one registered version (`model_predictions`). */
export interface Target {
  version: number | null;
  model: ServedModel;
}

export const BASELINE: ServedModel = { role: 'baseline', modelVersion: null, kind: 'baseline' };
const HINT = 'use model=baseline, champion, shadow or a registered version number (cqt model list)';

export function modelParam(query: Query): ModelChoice {
  const text = one(query, 'model');
  if (text === undefined) return { by: 'default' };
  if (text === 'baseline') return { by: 'baseline' };
  if (text === 'champion' || text === 'shadow') return { by: 'alias', alias: text };
  if (/^[1-9]\d{0,14}$/.test(text)) return { by: 'version', version: Number(text) };
  throw new UsageError(`unknown model "${text}"`, HINT);
}

interface Registered {
  version: number;
  kind: string;
  role: Alias | null;
}

async function aliased(sql: SqlClient, alias: Alias): Promise<Registered | null> {
  const [r] = await sql.unsafe(`select v.id, v.kind from model_aliases a join model_versions v on v.id = a.version where a.alias = $1`, [alias]);
  return r ? { version: Number(r.id), kind: r.kind, role: alias } : null;
}

async function byVersion(sql: SqlClient, version: number): Promise<Registered | null> {
  const [r] = await sql.unsafe(
    `select v.id, v.kind, (select min(a.alias) from model_aliases a where a.alias in ('champion', 'shadow') and a.version = v.id) as role from model_versions v where v.id = $1::bigint`,
    [version],
  );
  return r ? { version: Number(r.id), kind: r.kind, role: (r.role as Alias | null) ?? null } : null;
}

const served = (r: Registered): Target => ({ version: r.version, model: { role: r.role, modelVersion: r.version, kind: r.kind } });

/**
 * An explicit choice: that model's rows, judged on their own (a version that is not registered, or
 * an alias nobody holds, is a bad request).
 */
export async function explicitTarget(sql: SqlClient, choice: Exclude<ModelChoice, { by: 'default' }>): Promise<Target> {
  if (choice.by === 'baseline') return { version: null, model: BASELINE };
  if (choice.by === 'alias') {
    const r = await aliased(sql, choice.alias);
    if (!r) throw new UsageError(`no ${choice.alias} model in the registry`, `promote one (cqt model promote V --to ${choice.alias}), or ask for model=baseline`);
    return served(r);
  }
  const r = await byVersion(sql, choice.version);
  if (!r) throw new UsageError(`unknown model version ${choice.version}`, `${HINT}`);
  return served(r);
}

/**
 * The default for the newest prediction: the champion when it has a usable row for the newest
 * snapshot (the newest `predictions` row that had arrived by as-of), else the baseline, saying why.
 */
export async function latestTarget(sql: SqlClient, choice: ModelChoice, { symbol, horizonSec, asOfMs }: { symbol: string; horizonSec: number; asOfMs: number }): Promise<Target> {
  if (choice.by !== 'default') return explicitTarget(sql, choice);
  const champion = await aliased(sql, 'champion');
  if (!champion) return { version: null, model: BASELINE };
  const asOf = new Date(asOfMs).toISOString();
  const [snap] = await sql.unsafe(
    `select ts from predictions where symbol = $1 and horizon_sec = $2::int and ts <= $3::timestamptz and created_at <= $3::timestamptz order by ts desc limit 1`,
    [symbol, horizonSec, asOf],
  );
  const fallback = (reason: string): Target => ({ version: null, model: { ...BASELINE, fallbackFrom: 'champion', reason } });
  const who = `champion (version ${champion.version}, ${champion.kind})`;
  if (!snap) return fallback(`no snapshot predicted for ${symbol} at ${horizonSec} s yet`);
  const snapIso = (snap.ts as Date).toISOString();
  const [row] = await sql.unsafe(
    `select p_up, p_down, p_none, error from model_predictions
      where symbol = $1 and ts = $2::timestamptz and horizon_sec = $3::int and model_version = $4::bigint and created_at <= $5::timestamptz`,
    [symbol, snapIso, horizonSec, champion.version, asOf],
  );
  if (!row) return fallback(`${who} has no row for the newest snapshot ${snapIso} (cqt predict has not picked up the promotion, or is not running)`);
  // An `over budget: …` row has its probabilities: slow, not failed — it is served.
  const finite = [row.p_up, row.p_down, row.p_none].every((v) => v !== null && Number.isFinite(Number(v)));
  if (finite) return served(champion);
  if (row.error !== null) return fallback(`${who} failed on the newest snapshot ${snapIso}: ${row.error}`);
  return fallback(`${who} has no finite probabilities for the newest snapshot ${snapIso}`);
}

/** The source the soft-stale rule judges: the baseline's predictions, or the version's own rows. */
export function watched(target: Target, symbol: string, horizonSec: number): Watched {
  if (target.version === null) return watch.predictions(symbol, horizonSec);
  return {
    source: 'model_predictions',
    key: `${symbol}/${horizonSec}s/v${target.version}`,
    symbol,
    ref: {
      table: 'model_predictions',
      key: [['symbol', symbol], ['horizon_sec', String(horizonSec)], ['model_version', String(target.version)]],
      value: 'p_up',
      arrival: 'created_at',
    },
    policy: defaultPolicies.predictions,
  };
}
