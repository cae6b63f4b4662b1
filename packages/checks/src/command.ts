// Flags every check command declares (`cqt check altdata|features|coinglass|all`), for the
// commands' start-up path: no imports, so `cqt --help` loads nothing but commander.

/** The part of a commander Command used here. */
export interface OptionTarget {
  option(flags: string, description: string, parse: (value: string, previous: string[]) => string[], defaultValue: string[]): this;
  option(flags: string, description?: string): this;
}

/** What commander hands an action for the shared flags. */
export interface CheckFlags {
  window?: string;
  asOf?: string;
  symbol?: string[];
  json?: boolean;
  databaseUrl?: string;
  dataDir?: string;
}

/** The run options common to every check, from its flags (values are parsed by the run). */
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

/** Commander argument parser for a repeatable option: each use adds one value. */
export const collectValues = (value: string, previous: string[]): string[] => [...previous, value];

/** The shared flags; `symbol: false` for checks that have no symbols (coinglass). */
export function addCheckFlags<C extends OptionTarget>(cmd: C, { symbol = true } = {}): C {
  cmd
    .option('--window <dur>', 'window for fill rates, null rates and call status: 600, 90s, 10m, 24h, 7d (default 600 s)')
    .option('--as-of <time>', 'evaluate as if now were this time: ISO 8601 with a zone or epoch ms (default now)');
  if (symbol) cmd.option('--symbol <list>', 'symbol(s) to check, repeatable or comma separated (default: from configuration)', collectValues, []);
  return cmd
    .option('--json', 'print one JSON object')
    .option('--database-url <url>', 'PostgreSQL URL (overrides DATABASE_URL); unset = embedded store')
    .option('--data-dir <dir>', 'embedded store folder (overrides CQT_DATA_DIR)');
}

export function commonOptions(flags: CheckFlags): CommonCheckOptions {
  return {
    window: flags.window,
    asOf: flags.asOf,
    symbols: flags.symbol?.length ? flags.symbol : undefined,
    databaseUrl: flags.databaseUrl,
    dataDir: flags.dataDir,
  };
}

export const CHECK_EXIT_CODES = 'Exit codes: 0 every item passed (warn and skip do not fail), 1 an item failed, 2 usage error or runtime failure.';
