// Query parameters of the API, parsed with the CLI's own parsers so `?window=10m` means what
// `--window 10m` means. A bad value is a UsageError naming the parameter: the server answers 400
// with that line and its hint.
import { UsageError, parseDurationSec, parseTimeMs } from '@cqt/config';
import { parseSymbols, sourceTables } from '@cqt/checks';

export type Query = Record<string, string | string[] | undefined>;

/** Every parameter a route accepts; anything else is refused (a typo must not be ignored). */
export function refuseUnknown(query: Query, known: readonly string[]): void {
  const unknown = Object.keys(query).filter((k) => !known.includes(k));
  if (unknown.length) throw new UsageError(`unknown parameter ${unknown.join(', ')}`, `this endpoint takes ${known.join(', ') || 'no parameters'}`);
}

/** One value; a repeated parameter is refused unless the route takes a list. */
export function one(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new UsageError(`parameter ${name} given ${value.length} times`, `give ${name} once`);
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Repeats and comma lists alike, as the CLI's repeatable flags. */
export function list(query: Query, name: string): string[] | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}

export function timeParam(query: Query, name: string): number | undefined {
  const text = one(query, name);
  if (text === undefined) return undefined;
  try {
    return parseTimeMs(text, name);
  } catch {
    throw new UsageError(`invalid ${name} "${text}"`, 'use ISO 8601 with a zone (2026-11-23T10:00:00Z) or epoch ms');
  }
}

/** A positive duration (`600`, `10m`, `24h`) in seconds. */
export function durationParam(query: Query, name: string): number | undefined {
  const text = one(query, name);
  if (text === undefined) return undefined;
  const sec = parseDurationSec(text, name);
  if (!(sec > 0)) throw new UsageError(`invalid ${name} "${text}"`, 'use a duration longer than 0 s, e.g. 600, 10m, 24h');
  return sec;
}

export function integerParam(query: Query, name: string, range: { min: number; max: number }): number | undefined {
  const text = one(query, name);
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= range.min && n <= range.max)) throw new UsageError(`invalid ${name} "${text}"`, `use a whole number from ${range.min} to ${range.max}`);
  return n;
}

/** One symbol, upper-cased and checked as `--symbol` is (KRW-BTC, BTCUSDT). */
export function symbolParam(query: Query, name: string): string | undefined {
  const text = one(query, name);
  if (text === undefined) return undefined;
  if (text.includes(',')) throw new UsageError(`parameter ${name} takes one symbol, got "${text}"`, 'ask once per symbol');
  try {
    return parseSymbols([text])[0];
  } catch (error) {
    throw new UsageError(`invalid ${name} "${text}"`, (error as UsageError).hint);
  }
}

export function required<T>(value: T | undefined, name: string, hint: string): T {
  if (value === undefined) throw new UsageError(`missing parameter ${name}`, hint);
  return value;
}

/** `cqt predict`'s default horizon: what a request without `horizon` asks for. */
export const DEFAULT_HORIZON_SEC = 120;

/** A prediction horizon: a duration in whole seconds (`120`, `2m`), as horizon_sec stores it. */
export function horizonParam(query: Query): number | undefined {
  const sec = durationParam(query, 'horizon');
  if (sec !== undefined && !Number.isInteger(sec)) throw new UsageError(`invalid horizon "${one(query, 'horizon')}"`, 'use whole seconds, e.g. 120 or 2m');
  return sec;
}

/** Symbols, repeated or comma separated, checked as `--symbol` is but named as the parameter. */
export function symbolsParam(query: Query, name: string): string[] | undefined {
  const values = list(query, name);
  if (values === undefined) return undefined;
  try {
    return parseSymbols(values);
  } catch (error) {
    const bad = /"(.*)"/.exec((error as Error).message)?.[1] ?? values.join(',');
    throw new UsageError(`invalid ${name} "${bad}"`, (error as UsageError).hint);
  }
}

/** Source tables of `cqt status` (repeats or comma lists), named as the parameter. */
export function sourcesParam(query: Query, name: string): string[] | undefined {
  const values = list(query, name);
  if (values === undefined) return undefined;
  const names = values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(sourceTables as readonly string[]).includes(n));
  if (unknown.length) throw new UsageError(`unknown ${name} ${unknown.join(', ')}`, `choose from ${sourceTables.join(', ')}`);
  return names;
}
