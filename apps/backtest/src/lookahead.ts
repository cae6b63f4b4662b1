// `cqt backtest lookahead`: rerun a strategy on its candles truncated after sampled t and fail
// (exit 1) if any signal at or before t changes — the strategy looked at candles after t.
import { lookahead, strategies, type LookaheadResult, type Strategy } from '@cqt/backtest';
import { stepCandles } from '@cqt/candles';
import { UsageError, paintText, type CommandOutput } from '@cqt/config';
import { lazyStore, loadCandles, type InputSummary, type RunOptions } from './index.js';
import { checkCandles, parseParams } from './usage.js';

export interface LookaheadRunOptions extends Pick<RunOptions, 'strategy' | 'params' | 'candlesFile' | 'venue' | 'symbol' | 'timeframe' | 'fromMs' | 'toMs' | 'allowGaps' | 'databaseUrl' | 'dataDir' | 'env' | 'db'> {
  samples?: number;
  /** The strategies by name (tests add a deliberately leaky one); default the shipped ones. */
  registry?: Record<string, Strategy<any>>;
}

export interface LookaheadSummary extends LookaheadResult {
  strategy: string;
  params: Record<string, number | boolean>;
  input: InputSummary & { timeframe: string; candles: number };
  passed: boolean;
}

export async function lookaheadRun(options: LookaheadRunOptions): Promise<LookaheadSummary> {
  const registry: Record<string, Strategy<any>> = options.registry ?? strategies;
  const strategy = registry[options.strategy] as Strategy<Record<string, number | boolean>> | undefined;
  if (!strategy) throw new UsageError(`unknown strategy ${JSON.stringify(options.strategy)}`, `expected one of ${Object.keys(registry).join(', ')}`);
  const params = parseParams(strategy, options.params ?? []);
  const store = lazyStore(options);
  try {
    const { candles, input, timeframe } = await loadCandles(options, store.get);
    checkCandles(candles, { nextOpenMs: (ts) => stepCandles(timeframe, ts, 1), allowGaps: options.allowGaps });
    const result = lookahead(candles, strategy, params, { samples: options.samples });
    return { strategy: strategy.name, params, input: { ...input, timeframe, candles: candles.length }, ...result, passed: result.violations.length === 0 };
  } finally {
    await store.close();
  }
}

/** Violations shown in the human output (JSON has them all). */
const SHOWN = 10;

export function lookaheadOutput(r: LookaheadSummary): CommandOutput {
  return {
    exitCode: r.passed ? 0 : 1,
    json: r,
    human: ({ colour }) => {
      const head = `${paintText(r.strategy, 'strong', colour)}: ${r.cuts.length} cuts over ${r.input.candles} candles, ${r.compared} signals compared`;
      if (r.passed) return `${head}\n${paintText('no lookahead', 'good', colour)}: every signal at or before each cut is the same without the candles after it`;
      const lines = r.violations.slice(0, SHOWN).map((v) => `  cut after candle ${v.cut}: ${v.series}[${v.index}] is ${v.full} on all candles, ${v.truncated} without the candles after ${v.cut}`);
      const more = r.violations.length > SHOWN ? [`  … ${r.violations.length - SHOWN} more (--json lists all)`] : [];
      return [head, `${paintText('LOOKAHEAD', 'bad', colour)}: signals at or before ${r.violations.length} of the cuts change when later candles are removed`, ...lines, ...more].join('\n');
    },
  };
}
