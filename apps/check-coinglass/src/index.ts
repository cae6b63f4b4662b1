// `cqt check coinglass`: is the Coinglass integration usable at as-of?
// - enabled (COINGLASS_ENABLED); when disabled every item is a stated skip;
// - a real key (isRealKey): enabled without one fails, since nothing can be polled;
// - recent coinglass_call_status rows ok: at least one call in the window, and the share of
//   successful calls at or above the threshold (any failed call warns).
import {
  checkOutput,
  makeReport,
  measuredItem,
  resolveWindowSec,
  resolveAsOfMs,
  statedItem,
  withHandle,
  type CheckItem,
  type CheckReport,
  type CommonCheckOptions,
  type SqlClient,
} from '@cqt/checks';
import { describeSecret, isRealKey, loadConfig, type CommandOutput, type Settings } from '@cqt/config';
import { resolveFlag } from '@cqt/config/command';
import { openDb, type Db } from '@cqt/db';
import { thresholds } from './command.js';

/** Calls are looked for over at least this many poll intervals, so a short window sees some. */
export const CALL_LOOKBACK_POLLS = 3;

export interface CoinglassOptions extends Omit<CommonCheckOptions, 'symbols'> {
  minOkRate?: string | number;
  db?: Db;
}

export async function run(options: CoinglassOptions = {}): Promise<CheckReport> {
  const env = options.env ?? process.env;
  const { values: config } = loadConfig({ flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir }, env });
  const windowSec = resolveWindowSec(options.window);
  const asOfMs = resolveAsOfMs(options.asOf);
  const minOkRate = resolveFlag(thresholds.minOkRate, options.minOkRate, env);
  const report = (items: CheckItem[]) => makeReport('coinglass', asOfMs, windowSec, items);

  const settingItems = keyItems(config);
  if (!config.coinglassEnabled || !isRealKey(config.coinglassApiKey)) {
    const why = config.coinglassEnabled ? 'no real key, so nothing is polled' : 'Coinglass is disabled';
    return report([...settingItems, statedItem(callSource(null), 'skip', null, null, `skipped: ${why}`)]);
  }
  // The store is opened only when there are calls to judge.
  const lookbackSec = Math.max(windowSec, CALL_LOOKBACK_POLLS * config.coinglassPollSec);
  return withHandle(options.db, () => openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }), async (db) =>
    report([...settingItems, await callItem(db.sql, asOfMs, lookbackSec, minOkRate)]),
  );
}

export function output(report: CheckReport): CommandOutput {
  return checkOutput([report]);
}

const settingSource = (name: string, column: string) => ({ name, table: null, column, symbol: null, windowSec: null });
const callSource = (windowSec: number | null) => ({ name: 'coinglass_call_status.ok_rate', table: 'coinglass_call_status', column: 'ok', symbol: null, windowSec });

/** The settings items; the key is described (set (len N) / placeholder / missing), never shown. */
export function keyItems(config: Pick<Settings, 'coinglassEnabled' | 'coinglassApiKey'>): CheckItem[] {
  const enabled = settingSource('coinglass.enabled', 'COINGLASS_ENABLED');
  const key = settingSource('coinglass.api_key', 'COINGLASS_API_KEY');
  const keyState = describeSecret(config.coinglassApiKey);
  if (!config.coinglassEnabled) {
    return [
      statedItem(enabled, 'skip', false, 'true to gate Coinglass', 'skipped: Coinglass is disabled (COINGLASS_ENABLED=false)'),
      statedItem(key, 'skip', keyState, null, 'skipped: not used while Coinglass is disabled'),
    ];
  }
  const real = isRealKey(config.coinglassApiKey);
  return [
    statedItem(enabled, 'pass', true, 'true to gate Coinglass', 'enabled'),
    statedItem(key, real ? 'pass' : 'fail', keyState, 'a real key', real ? 'a real key is set' : `the key is ${keyState}: set a real COINGLASS_API_KEY or COINGLASS_ENABLED=false`),
  ];
}

async function callItem(sql: SqlClient, asOfMs: number, lookbackSec: number, minOkRate: number): Promise<CheckItem> {
  const range = [new Date(asOfMs - lookbackSec * 1000).toISOString(), new Date(asOfMs).toISOString()];
  const [counts] = await sql.unsafe(
    `select count(*)::float8 as calls, (count(*) filter (where ok))::float8 as ok
       from coinglass_call_status where ts > $1::timestamptz and ts <= $2::timestamptz`,
    range,
  );
  const source = callSource(lookbackSec);
  const calls = Number(counts.calls);
  if (calls === 0) {
    return statedItem(source, 'fail', 0, `≥ 1 call, ok rate ≥ ${minOkRate}`, `no calls in the last ${lookbackSec} s: is \`cqt collect\` running with Coinglass enabled?`);
  }
  const ok = Number(counts.ok);
  let detail = `${ok} of ${calls} calls ok`;
  if (ok < calls) {
    const [failed] = await sql.unsafe(
      `select ts, endpoint, http_status, error_msg from coinglass_call_status
        where ts > $1::timestamptz and ts <= $2::timestamptz and not ok order by ts desc limit 1`,
      range,
    );
    detail += `; last failure ${(failed.ts as Date).toISOString()} ${failed.endpoint}: ${failed.http_status ?? 'no response'} ${failed.error_msg ?? ''}`.trimEnd();
  }
  return measuredItem(source, ok / calls, 'ratio', { min: minOkRate, warnBelow: 1 }, detail);
}
