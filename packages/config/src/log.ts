// The log of a long-running command (decision 134). Human (the default): the line as the app wrote
// it. JSON (--log-format json, for journald/Loki): one object per line — time (ISO 8601), level,
// command, event, then fields; a plain line becomes {event: 'message', msg}. Either way, secret
// values from the settings table (API keys, tokens, a database URL's password) never get out.
import type { FlagSpec } from './command.js';
import { settings } from './settings.js';

export type LogFormat = 'human' | 'json';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_FORMATS: readonly LogFormat[] = ['human', 'json'];

/** What apps call: a plain line (as before), plus structured events. */
export interface Logger {
  (line: string): void;
  event(event: string, fields?: Record<string, unknown>, level?: LogLevel): void;
  readonly format: LogFormat;
}

export interface LoggerOptions {
  command: string;
  format?: LogFormat;
  /** Default stderr. */
  write?: (text: string) => void;
  /** Human lines start with an ISO time (backfill --follow did this before). */
  humanTime?: boolean;
  /** Environment whose secret settings are masked (default process.env). */
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

/** The values that must never be printed: every secret setting set in `env`, and URL passwords. */
export function secretValues(env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const spec of Object.values(settings) as Array<{ env: string; secret?: 'key' | 'url' }>) {
    const value = env[spec.env]?.trim();
    if (!spec.secret || !value) continue;
    if (spec.secret === 'key') out.push(value);
    else {
      try {
        const password = decodeURIComponent(new URL(value).password);
        if (password) out.push(password);
      } catch {
        // not a URL: the loader refuses it anyway
      }
    }
  }
  // Short values would mask ordinary words; real secrets are long (MIN_KEY_LENGTH 16; passwords ≥ 4).
  return out.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
}

/** `text` with every secret value replaced by *** and any user:password@ in a URL masked. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***');
  return out.replace(/(\/\/[^:/@\s]+):[^@\s/]+@/g, '$1:***@');
}

function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redact(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets));
  if (value instanceof Error) return redact(value.message, secrets);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, secrets)]));
  return value;
}

const RESERVED = new Set(['time', 'level', 'command', 'event']);

export function createLogger(options: LoggerOptions): Logger {
  const format = options.format ?? 'human';
  const write = options.write ?? ((text: string) => process.stderr.write(text));
  const now = options.now ?? (() => new Date());
  const secrets = secretValues(options.env ?? process.env);
  const emit = (event: string, fields: Record<string, unknown>, level: LogLevel, humanText: () => string) => {
    if (format === 'human') {
      write(`${options.humanTime ? `${now().toISOString()} ` : ''}${redact(humanText(), secrets)}\n`);
      return;
    }
    const record: Record<string, unknown> = { time: now().toISOString(), level, command: options.command, event };
    for (const [k, v] of Object.entries(fields)) record[RESERVED.has(k) ? `field_${k}` : k] = redactValue(v, secrets);
    write(`${JSON.stringify(record)}\n`);
  };
  const logger = ((line: string) => emit('message', { msg: line }, 'info', () => line)) as Logger;
  logger.event = (event, fields = {}, level = 'info') =>
    emit(event, fields, level, () => `${options.command}: ${event}${Object.keys(fields).length ? ` ${Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}` : ''}`);
  Object.defineProperty(logger, 'format', { value: format });
  return logger;
}

export const logFormatFlag = {
  flag: '--log-format',
  arg: '<format>',
  describe: 'log lines as human text, or json: one object per line (time, level, command, event, fields) for journald/Loki',
  env: 'CQT_LOG_FORMAT',
  default: 'human',
  expected: 'human or json',
  parse: (text: string) => (LOG_FORMATS.includes(text as LogFormat) ? (text as LogFormat) : undefined),
} satisfies FlagSpec<LogFormat>;

/** The logger when it writes JSON (a status line can then be an event with fields), else null. */
export function structuredLog(log: unknown): Logger | null {
  return typeof log === 'function' && (log as Partial<Logger>).format === 'json' && typeof (log as Partial<Logger>).event === 'function' ? (log as Logger) : null;
}
