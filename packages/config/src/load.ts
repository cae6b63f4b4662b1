// Effective configuration: flags > environment > .env file > defaults, each value validated,
// each value's origin remembered so `cqt config` can say where it came from.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { UsageError } from './errors.js';
import { describeSecret, maskUrl } from './secrets.js';
import { settingKeys, settings, type SettingKey, type Settings, type SettingSpec } from './settings.js';

export type SettingSource = 'flag' | 'env' | '.env' | 'default' | 'unset';

export interface Config {
  values: Settings;
  sources: Record<SettingKey, SettingSource>;
  /** The .env file that was read, if any. */
  envFile: string | null;
}

export interface LoadOptions {
  /** Values given as CLI flags (already split from argv), by setting key. */
  flags?: Partial<Record<SettingKey, string | number | boolean | undefined>>;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Path of the .env file; default `.env` in cwd, or CQT_ENV_FILE. */
  envFile?: string;
}

export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const envFilePath = resolve(cwd, options.envFile ?? env.CQT_ENV_FILE ?? '.env');
  const fileVars = readEnvFile(envFilePath, options.envFile !== undefined || env.CQT_ENV_FILE !== undefined);

  const values: Record<string, unknown> = {};
  const sources = {} as Record<SettingKey, SettingSource>;
  for (const key of settingKeys) {
    const spec: SettingSpec = settings[key];
    const flag = options.flags?.[key];
    let raw: string | undefined;
    let source: SettingSource;
    if (flag !== undefined) [raw, source] = [String(flag), 'flag'];
    else if (nonEmpty(env[spec.env])) [raw, source] = [env[spec.env]!, 'env'];
    else if (nonEmpty(fileVars[spec.env])) [raw, source] = [fileVars[spec.env]!, '.env'];
    else if (spec.default !== undefined) [raw, source] = [spec.default, 'default'];
    else [raw, source] = [undefined, 'unset'];

    const parsed = spec.schema.safeParse(raw);
    if (!parsed.success) {
      const shown = spec.secret === 'key' ? describeSecret(raw) : spec.secret === 'url' ? maskUrl(raw ?? '') : raw;
      const origin = source === 'flag' ? `flag ${spec.flag ?? spec.env}` : source === '.env' ? envFilePath : source;
      throw new UsageError(
        `invalid ${spec.env}=${JSON.stringify(shown)} (from ${origin})`,
        `expected ${spec.expected}`,
      );
    }
    values[key] = parsed.data;
    sources[key] = source;
  }
  return { values: values as Settings, sources, envFile: existsSync(envFilePath) ? envFilePath : null };
}

function nonEmpty(v: string | undefined): boolean {
  return v !== undefined && v !== '';
}

function readEnvFile(path: string, required: boolean): Record<string, string | undefined> {
  if (!existsSync(path)) {
    if (required) throw new UsageError(`env file not found: ${path}`, 'fix CQT_ENV_FILE or create the file');
    return {};
  }
  try {
    return parseEnv(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read env file ${path}: ${(err as Error).message}`, 'check the file permissions', err);
  }
}

export interface ConfigRow {
  key: SettingKey;
  env: string;
  /** Safe to print: secrets described, URLs masked. */
  shown: string;
  source: SettingSource;
  describe: string;
}

/** The effective configuration as printable rows; secrets never appear. */
export function describeConfig(config: Config): ConfigRow[] {
  return settingKeys.map((key) => {
    const spec: SettingSpec = settings[key];
    const value = config.values[key] as unknown;
    let shown: string;
    if (spec.secret === 'key') shown = describeSecret(value as string | undefined);
    else if (value === undefined) shown = '(unset)';
    else if (spec.secret === 'url') shown = maskUrl(String(value));
    else shown = Array.isArray(value) ? value.join(',') : String(value);
    return { key, env: spec.env, shown, source: config.sources[key], describe: spec.describe };
  });
}

export interface ConfigProblem {
  setting: string;
  problem: string;
  hint: string;
}

/** Problems that make an enabled integration unusable (the basis of `cqt config --check`). */
export function checkConfig(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const key = config.values.coinglassApiKey;
  if (config.values.coinglassEnabled) {
    const state = describeSecret(key);
    if (state === 'missing' || state === 'placeholder') {
      problems.push({
        setting: 'COINGLASS_API_KEY',
        problem: `COINGLASS_ENABLED=true but the key is ${state}`,
        hint: 'set a real COINGLASS_API_KEY or COINGLASS_ENABLED=false',
      });
    }
  }
  return problems;
}
