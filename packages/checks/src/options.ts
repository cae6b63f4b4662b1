// Options every check shares (window, as-of, symbols) and thresholds resolved flag > env > default.
// Commands hand the raw flag text over; parsing happens here so a bad flag or a bad CQT_CHECK_*
// variable becomes one UsageError line naming it, exactly as `loadConfig` does for settings.
import { UsageError, parseDurationSec, parseTimeMs } from '@cqt/config';

export const DEFAULT_WINDOW_SEC = 600;

/** A check window in seconds from `600`, `10m`, `24h` or a number; must be positive. */
export function resolveWindowSec(window: string | number | undefined): number {
  if (window === undefined) return DEFAULT_WINDOW_SEC;
  const sec = typeof window === 'number' ? window : parseDurationSec(window, '--window');
  if (!(sec > 0) || !Number.isFinite(sec)) {
    throw new UsageError(`invalid --window "${window}"`, 'the window must be longer than 0 s, e.g. 600, 10m, 24h');
  }
  return sec;
}

/** Epoch ms of --as-of (ISO 8601 with a zone, a UTC date, or epoch ms); now when absent. */
export function resolveAsOfMs(asOf: string | number | undefined, nowMs = Date.now()): number {
  if (asOf === undefined) return nowMs;
  return typeof asOf === 'number' ? asOf : parseTimeMs(asOf, '--as-of');
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

export interface ThresholdSpec<T> {
  flag: string;
  /** CQT_CHECK_… variable read when the flag is absent. */
  env: string;
  default: T;
  /** The accepted form, shown when a value is rejected. */
  expected: string;
  /** The value, or undefined when the text is not acceptable. */
  parse(text: string): T | undefined;
}

/** flag > environment > default; a rejected value is a UsageError naming the flag or variable. */
export function resolveThreshold<T>(spec: ThresholdSpec<T>, given: string | number | undefined, env: NodeJS.ProcessEnv): T {
  const fromEnv = env[spec.env];
  const [text, origin] =
    given !== undefined ? [String(given), spec.flag] : fromEnv !== undefined && fromEnv !== '' ? [fromEnv, spec.env] : [undefined, ''];
  if (text === undefined) return spec.default;
  const value = spec.parse(text.trim());
  if (value === undefined) {
    const what = origin === spec.env ? `${spec.env}=${JSON.stringify(text)} (from env)` : `${spec.flag} ${JSON.stringify(text)}`;
    throw new UsageError(`invalid ${what}`, `expected ${spec.expected}`);
  }
  return value;
}

/** A ratio in [0, 1], written `0.95` or `95%`. */
export function parseRatio(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text);
  if (!m) return undefined;
  const value = m[2] ? Number(m[1]) / 100 : Number(m[1]);
  return value >= 0 && value <= 1 ? value : undefined;
}

/** A duration in seconds (`90`, `90s`, `10m`, `24h`, `7d`). */
export function parseSeconds(text: string): number | undefined {
  try {
    return parseDurationSec(text);
  } catch {
    return undefined;
  }
}

/** A comma-separated list of lower-case SQL column names. */
export function parseColumnList(text: string): string[] | undefined {
  const columns = text.split(',').map((c) => c.trim()).filter(Boolean);
  return columns.every((c) => /^[a-z][a-z0-9_]*$/.test(c)) ? columns : undefined;
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
  const warnLag = resolveThreshold(specs.warnLag, given.warnLag, env);
  const maxLag = resolveThreshold(specs.maxLag, given.maxLag, env);
  if (warnLag > maxLag) {
    throw new UsageError(
      `the warn lag (${warnLag} s) exceeds the max lag (${maxLag} s)`,
      `set --warn-lag at most --max-lag (${specs.warnLag.env} / ${specs.maxLag.env.replace(/^.*(_MAX_LAG)$/, '$1')})`,
    );
  }
  return { staleAfterSec: warnLag, hardStaleAfterSec: maxLag };
}
