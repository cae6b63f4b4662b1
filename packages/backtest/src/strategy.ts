// The strategy interface: a pure function of candles and typed parameters → signals, declared with
// its parameter table. The CLI's `--param k=v` parsing, validation, help and docs all read the
// table, so they cannot drift from what the strategy accepts.
import { BacktestInputError } from './errors.js';
import type { Candles } from './candles.js';

export type ParamType = 'int' | 'number' | 'boolean';

export interface ParamSpec<T> {
  type: ParamType;
  describe: string;
  default: T;
  /** Bounds for numbers; `*Exclusive` makes a bound open. */
  min?: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
}

/** One spec per parameter, keyed by the parameter's name as users type it (`volume_window`). */
export type ParamTable<P> = { readonly [K in keyof P]-?: ParamSpec<P[K]> };

/**
 * What a strategy says about the candles. A signal at index t is known once candle t has closed;
 * the engine acts on it at the open of t + 1.
 */
export interface Signals {
  /** 1 = enter long at the next open. */
  entry: Uint8Array;
  /** 1 = leave the position at the next open. */
  exit?: Uint8Array;
  /** Leave this many bars after the entry bar (at that bar's open); absent = until an exit signal or the end. */
  holdBars?: number;
}

export interface Strategy<P = Record<string, number | boolean>> {
  name: string;
  describe: string;
  params: ParamTable<P>;
  /** A rule between parameters (e.g. fast < slow): the problem as a sentence, or null. */
  check?: (params: P) => string | null;
  signals(candles: Candles, params: P): Signals;
}

/** "a whole number ≥ 1", "a number in (0, 1]", …: the accepted form, from the spec. */
export function describeRange(spec: ParamSpec<unknown>): string {
  if (spec.type === 'boolean') return 'true or false';
  const what = spec.type === 'int' ? 'a whole number' : 'a number';
  if (spec.min !== undefined && spec.max !== undefined) {
    return `${what} in ${spec.minExclusive ? '(' : '['}${spec.min}, ${spec.max}${spec.maxExclusive ? ')' : ']'}`;
  }
  if (spec.min !== undefined) return `${what} ${spec.minExclusive ? '>' : '≥'} ${spec.min}`;
  if (spec.max !== undefined) return `${what} ${spec.maxExclusive ? '<' : '≤'} ${spec.max}`;
  return what;
}

function inRange(spec: ParamSpec<unknown>, v: number): boolean {
  if (!Number.isFinite(v)) return false;
  if (spec.type === 'int' && !Number.isInteger(v)) return false;
  if (spec.min !== undefined && (spec.minExclusive ? v <= spec.min : v < spec.min)) return false;
  if (spec.max !== undefined && (spec.maxExclusive ? v >= spec.max : v > spec.max)) return false;
  return true;
}

/** A parameter's text form: what `--param name=…` accepts (the shape of a CLI flag spec). */
export interface ParamFlag<T> {
  flag: string;
  describe: string;
  default: T;
  /** The accepted form, shown as the hint when a value is rejected. */
  expected: string;
  /** Text → value, or undefined when the text is not acceptable. */
  parse: (text: string) => T | undefined;
}

/** The parameter as a flag, so its text is parsed and refused like any flag's. */
export function paramFlagSpec<T>(name: string, spec: ParamSpec<T>): ParamFlag<T> {
  return {
    flag: `--param ${name}`,
    describe: spec.describe,
    default: spec.default,
    expected: `${describeRange(spec)}, e.g. ${name}=${String(spec.default)}`,
    parse: (text) => {
      if (spec.type === 'boolean') return (text === 'true' ? true : text === 'false' ? false : undefined) as T | undefined;
      if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) return undefined;
      const v = Number(text);
      return (inRange(spec, v) ? v : undefined) as T | undefined;
    },
  };
}

function unknownParam(strategy: Strategy<any>, name: string): BacktestInputError {
  const names = Object.keys(strategy.params);
  return new BacktestInputError(
    `unknown parameter "${name}" for strategy ${strategy.name}`,
    names.length ? `its parameters: ${names.join(', ')}` : `${strategy.name} takes no parameters`,
  );
}

/** The text through the flag's parser; refused as the CLI refuses a bad flag value (same words). */
function parseParamText<T>(flag: ParamFlag<T>, text: string): T {
  const value = flag.parse(text.trim());
  if (value === undefined) throw new BacktestInputError(`invalid ${flag.flag} ${JSON.stringify(text)}`, `expected ${flag.expected}`);
  return value;
}

/**
 * `k=v` texts (from repeated --param) → the full typed parameters, defaults filled in. A bad name,
 * form, value or combination is one BacktestInputError naming it.
 */
export function parseParams<P>(strategy: Strategy<P>, texts: readonly string[] = []): P {
  const given: Record<string, unknown> = {};
  for (const text of texts) {
    const eq = text.indexOf('=');
    if (eq <= 0) throw new BacktestInputError(`invalid --param ${JSON.stringify(text)}`, 'expected name=value, e.g. --param volume_window=10');
    const name = text.slice(0, eq).trim();
    const spec = (strategy.params as Record<string, ParamSpec<unknown>>)[name];
    if (!spec) throw unknownParam(strategy, name);
    if (name in given) throw new BacktestInputError(`--param ${name} given twice`, 'give each parameter once');
    given[name] = parseParamText(paramFlagSpec(name, spec), text.slice(eq + 1));
  }
  return resolveParams(strategy, given as Partial<P>);
}

/** Typed (partial) parameters → the full parameters, each validated against its spec. */
export function resolveParams<P>(strategy: Strategy<P>, given: Partial<P>): P {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(given)) if (!(name in strategy.params)) throw unknownParam(strategy, name);
  for (const [name, spec] of Object.entries(strategy.params) as Array<[string, ParamSpec<unknown>]>) {
    const v = (given as Record<string, unknown>)[name];
    if (v === undefined) {
      out[name] = spec.default;
      continue;
    }
    const ok = spec.type === 'boolean' ? typeof v === 'boolean' : typeof v === 'number' && inRange(spec, v);
    if (!ok) throw new BacktestInputError(`invalid --param ${name}=${String(v)}`, `expected ${describeRange(spec)}`);
    out[name] = v;
  }
  const problem = strategy.check?.(out as P);
  if (problem) throw new BacktestInputError(`invalid parameters for ${strategy.name}: ${problem}`, 'see `cqt backtest run --help` for each parameter');
  return out as P;
}

/** The parameter table as text rows (name, type, default, range, description) for help and docs. */
export function paramRows(strategy: Strategy<any>): string[][] {
  return (Object.entries(strategy.params) as Array<[string, ParamSpec<unknown>]>).map(([name, spec]) => [
    name,
    spec.type,
    String(spec.default),
    describeRange(spec),
    spec.describe,
  ]);
}
