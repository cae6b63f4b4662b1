// What every check command declares (`cqt check altdata|features|leak|coinglass|all`): the shared
// flags, the threshold specs (flag, CQT_CHECK_* variable, default, parser in one), and the one way a
// check is declared. On the start-up path of `cqt --help`: commander and @cqt/config only.
import type { Command } from 'commander';
import { parseDurationSec, type CliContext, type CommandOutput } from '@cqt/config';
import { asOfFlag, declareCommand, jsonFlag, storeFlags, windowFlag, type CliOptions, type FlagSpec, type FlagTable } from '@cqt/config/command';

/** A check threshold: a flag whose value falls back to a CQT_CHECK_* variable, then a default. */
export type ThresholdSpec<T> = FlagSpec<T> & { env: string; default: T; expected: string };

/** The run options common to every check (CLI values arrive parsed; text is parsed by the run). */
export interface CommonCheckOptions {
  /** Seconds, or a duration text (`600`, `10m`, `24h`). Default 600. */
  window?: string | number;
  /** Epoch ms, or ISO 8601 / epoch-ms text. Default now. */
  asOf?: string | number;
  /** Symbols as given (repeats or comma lists); default from configuration. */
  symbols?: string[];
  databaseUrl?: string;
  dataDir?: string;
  /** Environment for configuration and CQT_CHECK_* thresholds; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export const symbolsFlag = {
  flag: '--symbol',
  arg: '<list>',
  describe: 'symbol(s) to check, repeatable or comma separated',
  defaultText: 'from configuration',
  repeatable: true,
} satisfies FlagSpec<string[]>;

/** The flags of a check whose run takes options O (everything but the environment and a store handle). */
export type CheckFlags<O extends CommonCheckOptions = CommonCheckOptions> = CliOptions<O, 'env' | Extract<keyof O, 'db'>>;

/** The flags every check has; `check coinglass` leaves out --symbol. */
export const checkFlags = {
  window: windowFlag,
  asOf: asOfFlag,
  symbols: symbolsFlag,
  ...jsonFlag,
  ...storeFlags,
} satisfies FlagTable<CheckFlags>;

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

/** A lag threshold in seconds (`5`, `5s`, `1m`). */
function lagThreshold(flag: string, env: string, describe: string, defaultSec: number): ThresholdSpec<number> {
  return { flag, arg: '<dur>', describe, env, default: defaultSec, defaultText: `${defaultSec} s`, expected: `a duration such as ${defaultSec}, ${defaultSec}s, 1m`, parse: parseSeconds };
}

/** The warn / max lag pair of a check, with its variables and defaults. */
export function lagThresholds(check: string, subjectLags: string, bounds: { staleAfterSec: number; hardStaleAfterSec: number }) {
  const prefix = `CQT_CHECK_${check.toUpperCase()}`;
  return {
    warnLag: lagThreshold('--warn-lag', `${prefix}_WARN_LAG`, `warn when ${subjectLags} more than this`, bounds.staleAfterSec),
    maxLag: lagThreshold('--max-lag', `${prefix}_MAX_LAG`, `fail when ${subjectLags} more than this`, bounds.hardStaleAfterSec),
  };
}

/** A ratio threshold (`0.95` or `95%`). */
export function ratioThreshold(flag: string, env: string, describe: string, defaultValue: number): ThresholdSpec<number> {
  return { flag, arg: '<ratio>', describe: `${describe}: 0.95 or 95%`, env, default: defaultValue, expected: 'a ratio between 0 and 1, e.g. 0.95 or 95%', parse: parseRatio };
}

export const CHECK_EXIT_CODES = 'Exit codes: 0 every item passed (warn and skip do not fail), 1 an item failed, 2 usage error or runtime failure.';

/** The part of a check app the declaration loads when the check runs. */
export interface CheckModule<O> {
  run(options: O): Promise<unknown>;
  output(report: never): CommandOutput;
}

/** `cqt check <name>`: its table, help ending in the exit codes, and an action that runs the check. */
export function declareCheck<O extends { json?: boolean }>(
  parent: Command,
  cli: CliContext,
  decl: { name: string; description: string; flags: FlagTable<O>; help: string; load: () => Promise<CheckModule<O>> },
): Command {
  return declareCommand<O>(parent, cli, {
    name: decl.name,
    description: decl.description,
    flags: decl.flags,
    help: `${decl.help.trimEnd()}\n\n${CHECK_EXIT_CODES}`,
    async action(values, context) {
      const { run, output } = await decl.load();
      await context.emit(output((await run(values)) as never), values);
    },
  });
}
