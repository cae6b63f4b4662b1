// Command options declared once: each command has one table typed against its options interface
// (as vitest declares its CLI), so a flag missing from the table, or a key the options do not have,
// fails the compile. The commander options, the help text with defaults and environment variables,
// and the parsing of every value come from that table. This module is on the start-up path of
// `cqt --help`: it imports commander and the light parts of this package only.
import { Command, Option } from 'commander';
import { UsageError } from './errors.js';
import { settings, type SettingKey } from './settings.js';
import { parseDurationSec, parseTimeMs } from './time.js';
import { parseRunDurationSec } from './timers.js';
import type { CliContext } from './cli.js';

export interface FlagSpec<T> {
  /** The long flag, e.g. `--window`. */
  flag: string;
  /** Its argument as help shows it (`<dur>`); absent for a switch. */
  arg?: string;
  describe: string;
  /**
   * Text → value. Returns undefined when the text is not acceptable (the error then names the flag
   * and `expected`), or throws a UsageError of its own. Absent: the text as given.
   */
  parse?: (text: string, flag: string) => T | undefined;
  /** The accepted form, shown as the hint when a value is rejected. */
  expected?: string;
  /** The default the command applies when the flag and `env` are absent. */
  default?: T;
  /** How help shows the default when `default` alone would not say it (e.g. "now"). */
  defaultText?: string;
  /** The environment variable read when the flag is absent (shown in help). */
  env?: string;
  /** Each use adds one value (the value is then the list of texts). */
  repeatable?: boolean;
  required?: boolean;
}

/** One spec per option: no option without a flag, no flag without an option. */
export type FlagTable<O> = { readonly [K in keyof O]-?: FlagSpec<Exclude<O[K], undefined>> };

/** A command's flags: its run options less those only a caller can give, plus --json. */
export type CliOptions<O, RuntimeOnly extends keyof O = never> = Omit<O, RuntimeOnly> & { json?: boolean };

/** The value of one flag's text, or a UsageError naming the flag (or the variable it came from). */
export function parseFlagText<T>(spec: FlagSpec<T>, text: string, from: string = spec.flag): T {
  if (!spec.parse) return text as T;
  const value = spec.parse(text.trim(), from);
  if (value === undefined) {
    const what = from === spec.env ? `${spec.env}=${JSON.stringify(text)} (from env)` : `${from} ${JSON.stringify(text)}`;
    throw new UsageError(`invalid ${what}`, spec.expected ? `expected ${spec.expected}` : `see --help for ${spec.flag}`);
  }
  return value;
}

/**
 * flag > environment (`spec.env`) > default. A value already parsed (from the CLI, or a typed
 * caller) is kept; text is parsed by the spec, naming where it came from when it is rejected.
 */
export function resolveFlag<T>(spec: FlagSpec<T> & { default: T }, given: T | string | undefined, env: NodeJS.ProcessEnv = process.env): T {
  if (given !== undefined) return typeof given === 'string' ? parseFlagText(spec, given) : (given as T);
  const fromEnv = spec.env ? env[spec.env] : undefined;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return parseFlagText(spec, fromEnv, spec.env);
  return spec.default;
}

/** Raw flag texts (as a shell gives them) → typed values, through each spec's parser. */
export function parseFlags<O>(table: FlagTable<O>, raw: { [K in keyof O]?: string | string[] | boolean }): O {
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table) as Array<[string, FlagSpec<unknown>]>) {
    const text = raw[key as keyof O];
    if (text === undefined) continue;
    values[key] = typeof text === 'string' && !spec.repeatable ? parseFlagText(spec, text) : text;
  }
  return values as O;
}

/** The help line of a flag: what it does, then its variable and default. */
export function describeFlag(spec: FlagSpec<unknown>): string {
  const shown = spec.defaultText ?? (spec.default === undefined ? undefined : Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default));
  const notes = [spec.env, shown === undefined ? undefined : `default ${shown}`].filter(Boolean);
  return notes.length ? `${spec.describe} (${notes.join(', ')})` : spec.describe;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export interface CommandDeclaration<O> {
  name: string;
  description: string;
  flags: FlagTable<O>;
  /** Shown after the options: notes, examples, exit codes. */
  help?: string;
  /** Runs with the parsed flags; prints through `cli.emit`. */
  action(values: O, cli: CliContext): Promise<void>;
}

/** A subcommand of `parent` with the options of its table; the action gets the parsed values. */
export function declareCommand<O>(parent: Command, cli: CliContext, decl: CommandDeclaration<O>): Command {
  const cmd = parent.command(decl.name).description(decl.description);
  const keys = new Map<string, string>();
  for (const [key, spec] of Object.entries(decl.flags) as Array<[string, FlagSpec<unknown>]>) {
    const option = new Option(spec.arg ? `${spec.flag} ${spec.arg}` : spec.flag, describeFlag(spec));
    if (spec.repeatable) option.argParser(collect);
    if (spec.required) option.makeOptionMandatory();
    cmd.addOption(option);
    keys.set(option.attributeName(), key);
  }
  if (decl.help) cmd.addHelpText('after', `\n${decl.help.replace(/^\n+/, '')}`);
  cmd.action(async (opts: Record<string, string | string[] | boolean>) => {
    const raw: Record<string, string | string[] | boolean> = {};
    for (const [attribute, key] of keys) if (opts[attribute] !== undefined) raw[key] = opts[attribute];
    await decl.action(parseFlags(decl.flags, raw as never), cli);
  });
  return cmd;
}

// ---- Flags shared by many commands, declared once ----

/** A flag that overrides a setting: its name and variable come from the settings table. */
export function settingFlag(key: SettingKey, arg: string, describe: string): FlagSpec<string> {
  const setting = settings[key] as { flag?: string; env: string };
  if (!setting.flag) throw new Error(`setting ${key} has no flag`);
  return { flag: setting.flag, arg, describe: `${describe} (overrides ${setting.env})` };
}

/** Where the store is: a PostgreSQL URL, or the embedded store's folder. */
export const storeFlags = {
  databaseUrl: settingFlag('databaseUrl', '<url>', 'PostgreSQL URL; unset = embedded store'),
  dataDir: settingFlag('dataDir', '<dir>', 'embedded store folder'),
} satisfies FlagTable<{ databaseUrl?: string; dataDir?: string }>;

export const jsonFlag = {
  json: { flag: '--json', describe: 'print one JSON object' },
} satisfies FlagTable<{ json?: boolean }>;

const positiveSeconds = (text: string, flag: string): number | undefined => {
  const sec = parseDurationSec(text, flag);
  return sec > 0 && Number.isFinite(sec) ? sec : undefined;
};

export const DEFAULT_WINDOW_SEC = 600;

/** The window a check looks back over. */
export const windowFlag = {
  flag: '--window',
  arg: '<dur>',
  describe: 'window for fill rates, null rates and call status: 600, 90s, 10m, 24h, 7d',
  parse: positiveSeconds,
  expected: 'a window longer than 0 s, e.g. 600, 10m, 24h',
  default: DEFAULT_WINDOW_SEC,
  defaultText: '600 s',
} satisfies FlagSpec<number>;

/** "Now" for a command that can look at the past as if it were the present. */
export const asOfFlag = {
  flag: '--as-of',
  arg: '<time>',
  describe: 'evaluate as if now were this time: ISO 8601 with a zone or epoch ms',
  parse: (text: string, flag: string) => parseTimeMs(text, flag),
  defaultText: 'now',
} satisfies FlagSpec<number>;

/** A time flag: ISO 8601 with a zone, a UTC date, or epoch ms → epoch ms. */
export function timeFlag<M extends Partial<FlagSpec<number>>>(flag: string, describe: string, more?: M): FlagSpec<number> & M {
  return { flag, arg: '<time>', describe, parse: (text: string, name: string) => parseTimeMs(text, name), ...more } as FlagSpec<number> & M;
}

/** A duration flag (`90`, `90s`, `10m`, `24h`, `7d`) → seconds. */
export function durationFlag<M extends Partial<FlagSpec<number>>>(flag: string, describe: string, more?: M): FlagSpec<number> & M {
  return { flag, arg: '<dur>', describe, parse: (text: string, name: string) => parseDurationSec(text, name), ...more } as FlagSpec<number> & M;
}

/** How long a command runs before it stops by itself: more than 0 s, at most a year (MAX_RUN_SEC). */
export function runDurationFlag<M extends Partial<FlagSpec<number>>>(describe: string, more?: M): FlagSpec<number> & M {
  return durationFlag('--duration', describe, { parse: parseRunDurationSec, ...more } as M);
}
