// Parameter grids for `cqt backtest sweep`: `--param name=spec` texts → the axes → every
// combination as full typed parameters; and the ranking of the results by one metric. Pure.
import { BacktestInputError } from './errors.js';
import type { Metrics } from './metrics.js';
import { paramFlagSpec, resolveParams, type ParamSpec, type Strategy } from './strategy.js';

export interface GridAxis {
  name: string;
  values: Array<number | boolean>;
}

/** A grid larger than this is refused: it is almost always a typo in a step. */
export const MAX_GRID = 100_000;

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

function gridError(text: string, problem: string, hint: string): BacktestInputError {
  return new BacktestInputError(`invalid --param ${JSON.stringify(text)}: ${problem}`, hint);
}

/** One value of a parameter through its spec (the same check as `run`'s --param). */
function valueOf(text: string, name: string, spec: ParamSpec<unknown>, valueText: string): number | boolean {
  const flag = paramFlagSpec(name, spec);
  const v = flag.parse(valueText.trim());
  if (v === undefined) throw gridError(text, `${JSON.stringify(valueText.trim())} is not ${flag.expected!.split(', e.g.')[0]}`, `e.g. ${name}=${String(spec.default)}, a list ${name}=a,b,c or a range ${name}=from..to:step`);
  return v as number | boolean;
}

/**
 * `name=v`, `name=a,b,c` or `name=from..to:step` (inclusive; numbers only) per text → one axis per
 * parameter, in the order given. Parameters not given keep their defaults.
 */
export function parseGrid(strategy: Strategy<any>, texts: readonly string[]): GridAxis[] {
  const axes: GridAxis[] = [];
  for (const text of texts) {
    const eq = text.indexOf('=');
    if (eq <= 0) throw gridError(text, 'expected name=values', 'e.g. --param volume_window=5..60:5 or --param top_percentile=0.1,0.2');
    const name = text.slice(0, eq).trim();
    const spec = (strategy.params as Record<string, ParamSpec<unknown>>)[name];
    if (!spec) {
      const names = Object.keys(strategy.params);
      throw new BacktestInputError(`unknown parameter "${name}" for strategy ${strategy.name}`, names.length ? `its parameters: ${names.join(', ')}` : `${strategy.name} takes no parameters`);
    }
    if (axes.some((a) => a.name === name)) throw gridError(text, `${name} given twice`, 'give each parameter once, with all its values');
    const body = text.slice(eq + 1).trim();
    const range = /^(.+?)\.\.(.+?)(?::(.+))?$/.exec(body);
    let values: Array<number | boolean>;
    if (range) {
      if (spec.type === 'boolean') throw gridError(text, 'a range of a boolean', `e.g. ${name}=true,false`);
      const [from, to, step] = [range[1], range[2], range[3] ?? '1'].map((s) => s.trim());
      if (![from, to, step].every((s) => NUMBER.test(s))) throw gridError(text, 'a range is from..to:step with numbers', `e.g. ${name}=5..60:5`);
      const [a, b, s] = [Number(from), Number(to), Number(step)];
      if (!(s > 0)) throw gridError(text, 'the step must be > 0', `e.g. ${name}=${from}..${to}:1`);
      if (b < a) throw gridError(text, 'the range ends before it starts', `e.g. ${name}=${to}..${from}:${step}`);
      const count = Math.floor((b - a) / s + 1e-9) + 1;
      if (count > MAX_GRID) throw gridError(text, `${count} values`, `a larger step; a grid holds at most ${MAX_GRID} combinations`);
      // from + i × step, rounded to the step's decimals so 0.1..0.3:0.1 gives 0.3, not 0.30000000000000004.
      const decimals = Math.max(...[from, step].map((t) => (/\.(\d+)/.exec(t)?.[1].length ?? 0)));
      values = Array.from({ length: count }, (_, i) => valueOf(text, name, spec, String(Number((a + i * s).toFixed(decimals)))));
    } else {
      const parts = body.split(',');
      if (parts.some((p) => p.trim() === '')) throw gridError(text, 'an empty value', `e.g. ${name}=${String(spec.default)}`);
      values = parts.map((p) => valueOf(text, name, spec, p));
    }
    axes.push({ name, values: [...new Set(values)] });
  }
  return axes;
}

export interface Grid<P> {
  combos: P[];
  /** Combinations the strategy's own rule refuses (e.g. sma-cross with fast ≥ slow): left out. */
  refused: number;
}

/** Every combination of the axes (the first axis varies slowest), as full parameters. */
export function expandGrid<P>(strategy: Strategy<P>, axes: readonly GridAxis[]): Grid<P> {
  const size = axes.reduce((n, a) => n * a.values.length, 1);
  if (size > MAX_GRID) {
    throw new BacktestInputError(`the grid has ${size} combinations (${axes.map((a) => `${a.name} ${a.values.length}`).join(' × ')})`, `at most ${MAX_GRID}: larger steps or fewer values`);
  }
  const combos: P[] = [];
  let refused = 0;
  for (let i = 0; i < size; i++) {
    const given: Record<string, number | boolean> = {};
    let rest = i;
    for (let a = axes.length - 1; a >= 0; a--) {
      const { name, values } = axes[a];
      given[name] = values[rest % values.length];
      rest = Math.floor(rest / values.length);
    }
    // The strategy's rule between parameters (not the values, already checked) may refuse a combination.
    if (strategy.check && strategy.check(resolveDefaults(strategy, given as Partial<P>))) {
      refused++;
      continue;
    }
    combos.push(resolveParams(strategy, given as Partial<P>));
  }
  if (combos.length === 0) {
    throw new BacktestInputError(`no combination of the grid passes ${strategy.name}'s rule between parameters`, 'see `cqt backtest strategies` for the rule (e.g. sma-cross: fast < slow)');
  }
  return { combos, refused };
}

function resolveDefaults<P>(strategy: Strategy<P>, given: Partial<P>): P {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(strategy.params) as Array<[string, ParamSpec<unknown>]>) out[name] = (given as Record<string, unknown>)[name] ?? spec.default;
  return out as P;
}

/** Metrics a sweep can rank by; higher is better except where `lowerIsBetter`. */
export const RANK_METRICS = ['sharpe', 'sortino', 'totalReturn', 'excessReturn', 'cagr', 'profitFactor', 'winRate', 'expectancy', 'expectancyReturn', 'maxDrawdown'] as const;
export type RankMetric = (typeof RANK_METRICS)[number];
const LOWER_IS_BETTER: ReadonlySet<RankMetric> = new Set(['maxDrawdown']);

/** Best first by `metric`; a null metric ranks last; ties keep the grid's order. */
export function rankBy<T extends { metrics: Metrics }>(results: readonly T[], metric: RankMetric): T[] {
  const sign = LOWER_IS_BETTER.has(metric) ? 1 : -1;
  return results
    .map((r, i) => ({ r, i }))
    .sort((x, y) => {
      const a = x.r.metrics[metric], b = y.r.metrics[metric];
      if (a === null || b === null) return a === b ? x.i - y.i : a === null ? 1 : -1;
      return a === b ? x.i - y.i : sign * (a - b);
    })
    .map(({ r }) => r);
}
