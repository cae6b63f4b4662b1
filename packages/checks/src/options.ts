// Options every check shares (window, as-of, symbols) and thresholds resolved flag > env > default,
// each parsed by its flag's spec (./command.ts), so a bad flag or a bad CQT_CHECK_* variable becomes
// one UsageError line naming it, exactly as `loadConfig` does for settings.
import { UsageError } from '@cqt/config';
import { asOfFlag, resolveFlag, windowFlag } from '@cqt/config/command';
import type { ThresholdSpec } from './command.js';

/** A check window in seconds from `600`, `10m`, `24h` or a number; must be positive. */
export function resolveWindowSec(window: string | number | undefined): number {
  const sec = resolveFlag(windowFlag, window, {});
  if (!(sec > 0) || !Number.isFinite(sec)) {
    throw new UsageError(`invalid --window "${window}"`, windowFlag.expected);
  }
  return sec;
}

/** Epoch ms of --as-of (ISO 8601 with a zone, a UTC date, or epoch ms); now when absent. */
export function resolveAsOfMs(asOf: string | number | undefined, nowMs = Date.now()): number {
  return resolveFlag({ ...asOfFlag, default: nowMs }, asOf, {});
}

const SYMBOL = /^[A-Z0-9]+(-[A-Z0-9]+)?$/;

/** `--symbol` values, repeated or comma separated, upper-cased and de-duplicated. */
export function parseSymbols(values: readonly string[] | undefined): string[] {
  const symbols = (values ?? []).flatMap((v) => v.split(',')).map((s) => s.trim().toUpperCase()).filter(Boolean);
  for (const s of symbols) {
    if (!SYMBOL.test(s)) {
      throw new UsageError(`invalid --symbol "${s}"`, 'use an Upbit market such as KRW-BTC or a Binance symbol such as BTCUSDT');
    }
  }
  return [...new Set(symbols)];
}

/** Upbit markets are QUOTE-BASE (KRW-BTC); Binance USD-M symbols have no dash (BTCUSDT). */
export function splitVenues(symbols: readonly string[]): { upbit: string[]; binance: string[] } {
  return { upbit: symbols.filter((s) => s.includes('-')), binance: symbols.filter((s) => !s.includes('-')) };
}

/**
 * Runs fn with the handle the caller gave (tests share one store) or one opened for this run and
 * closed afterwards, whatever happens.
 */
export async function withHandle<H extends { close(): Promise<void> }, R>(given: H | undefined, open: () => Promise<H>, fn: (handle: H) => Promise<R>): Promise<R> {
  if (given) return fn(given);
  const handle = await open();
  try {
    return await fn(handle);
  } finally {
    await handle.close();
  }
}

export interface Scope {
  windowSec: number;
  asOfMs: number;
  /** Upbit markets: from --symbol values with a dash, else every configured market. */
  upbit: string[];
  /** Binance symbols: from --symbol values without a dash, else every configured symbol. */
  binance: string[];
}

/** Window, as-of and symbols of a run; a venue not named by --symbol keeps its configured list. */
export function resolveScope(
  options: { window?: string | number; asOf?: string | number; symbols?: readonly string[] },
  configured: { upbitMarkets: string[]; binanceSymbols: string[] },
): Scope {
  const given = splitVenues(parseSymbols(options.symbols));
  return {
    windowSec: resolveWindowSec(options.window),
    asOfMs: resolveAsOfMs(options.asOf),
    upbit: given.upbit.length ? given.upbit : configured.upbitMarkets,
    binance: given.binance.length ? given.binance : configured.binanceSymbols,
  };
}

/**
 * Derived rows (feature_snapshots, predictions) are built for the predictor's market, the first
 * configured Upbit market: the configuration to resolve their scope with.
 */
export function predictorConfig<C extends { upbitMarkets: string[] }>(configured: C): C {
  return { ...configured, upbitMarkets: configured.upbitMarkets.slice(0, 1) };
}

/**
 * The warn / max lag pair of a check as a freshness policy, refusing a warn lag above the max
 * (the env names in the hint come from the specs, e.g. CQT_CHECK_ALTDATA_WARN_LAG / _MAX_LAG).
 */
export function resolveLagPolicy(
  specs: { warnLag: ThresholdSpec<number>; maxLag: ThresholdSpec<number> },
  given: { warnLag?: string | number; maxLag?: string | number },
  env: NodeJS.ProcessEnv,
): { staleAfterSec: number; hardStaleAfterSec: number } {
  const warnLag = resolveFlag(specs.warnLag, given.warnLag, env);
  const maxLag = resolveFlag(specs.maxLag, given.maxLag, env);
  if (warnLag > maxLag) {
    throw new UsageError(
      `the warn lag (${warnLag} s) exceeds the max lag (${maxLag} s)`,
      `set --warn-lag at most --max-lag (${specs.warnLag.env} / ${specs.maxLag.env.replace(/^.*(_MAX_LAG)$/, '$1')})`,
    );
  }
  return { staleAfterSec: warnLag, hardStaleAfterSec: maxLag };
}
