// Typed, path-aware reads from a parsed JSON frame. Every parser goes through these so a
// wrong type, a missing field or a bad timestamp always ends as a FeedParseError that names
// the field and carries the raw frame.
import { parseDecimal } from './decimal.js';
import { FeedParseError, type FeedSource } from './errors.js';
import { isEpochMs, parseZonelessUtcMs } from './time.js';

export type FieldKey = string | number;

/** One raw frame under parse. */
export class Frame {
  constructor(
    readonly source: FeedSource,
    readonly raw: string,
  ) {}

  fail(reason: string, cause?: unknown): never {
    throw new FeedParseError(this.source, reason, this.raw, cause === undefined ? undefined : { cause });
  }

  json(): unknown {
    try {
      return JSON.parse(this.raw);
    } catch (error) {
      return this.fail(`invalid JSON: ${(error as Error).message}`, error);
    }
  }

  object(value: unknown, path = '$'): Fields {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(`${path}: expected an object, got ${preview(value)}`);
    }
    return new Fields(this, value as Record<FieldKey, unknown>, path);
  }

  array(value: unknown, path = '$'): unknown[] {
    if (!Array.isArray(value)) this.fail(`${path}: expected an array, got ${preview(value)}`);
    return value;
  }

  /** A fixed-layout array (a kline row, a [price, qty] level), read by index. */
  tuple(value: unknown, path: string, minLength: number): Fields {
    const items = this.array(value, path);
    if (items.length < minLength) this.fail(`${path}: expected at least ${minLength} items, got ${items.length}`);
    return new Fields(this, items as unknown as Record<FieldKey, unknown>, path);
  }
}

/** The fields of one JSON object (or tuple) inside a frame. */
export class Fields {
  constructor(
    readonly frame: Frame,
    private readonly values: Record<FieldKey, unknown>,
    readonly path: string,
  ) {}

  has(key: FieldKey): boolean {
    return this.values[key] !== undefined;
  }

  /** Keys of an object whose keys are data (e.g. prices). */
  keys(): string[] {
    return Object.keys(this.values);
  }

  /** The value as JSON.parse gave it, unchecked. */
  raw(key: FieldKey): unknown {
    return this.values[key];
  }

  pathOf(key: FieldKey): string {
    return typeof key === 'number' ? `${this.path}[${key}]` : `${this.path}.${key}`;
  }

  fail(key: FieldKey, expected: string): never {
    return this.frame.fail(`${this.pathOf(key)}: expected ${expected}, got ${preview(this.values[key])}`);
  }

  string(key: FieldKey): string {
    const value = this.values[key];
    if (typeof value !== 'string' || value === '') this.fail(key, 'a non-empty string');
    return value;
  }

  oneOf<T extends string>(key: FieldKey, allowed: readonly T[]): T {
    const value = this.values[key];
    if (!allowed.includes(value as T)) this.fail(key, `one of ${allowed.join('|')}`);
    return value as T;
  }

  boolean(key: FieldKey): boolean {
    const value = this.values[key];
    if (typeof value !== 'boolean') this.fail(key, 'a boolean');
    return value;
  }

  /** A JSON number (JSON.parse turns 1e999 into Infinity, so finiteness is checked too). */
  number(key: FieldKey): number {
    const value = this.values[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(key, 'a finite number');
    return value;
  }

  /** An id or count: a JSON integer that survived JSON.parse exactly. */
  integer(key: FieldKey): number {
    const value = this.values[key];
    if (!Number.isSafeInteger(value)) this.fail(key, 'a safe integer');
    return value as number;
  }

  /** A price or size sent as a decimal string. */
  decimal(key: FieldKey): number {
    const value = this.values[key];
    const parsed = typeof value === 'string' ? parseDecimal(value) : null;
    if (parsed === null) this.fail(key, 'a decimal string');
    return parsed;
  }

  /** A decimal string where "" means "not applicable" (e.g. funding rate of a delivery contract). */
  decimalOrEmpty(key: FieldKey): number | null {
    return this.values[key] === '' ? null : this.decimal(key);
  }

  /** A value some endpoints send as a JSON number and others as a decimal string. */
  numeric(key: FieldKey): number {
    return typeof this.values[key] === 'string' ? this.decimal(key) : this.number(key);
  }

  /** Epoch milliseconds as a JSON integer between 2009 and 2100. */
  epochMs(key: FieldKey): number {
    const value = this.values[key];
    if (typeof value !== 'number' || !isEpochMs(value)) this.fail(key, 'epoch ms (integer, 2009..2100)');
    return value;
  }

  /** Epoch ms that may arrive as an integer string (Binance /futures/data docs vs live data). */
  epochMsOrString(key: FieldKey): number {
    const value = this.values[key];
    const ms = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof ms !== 'number' || !isEpochMs(ms)) this.fail(key, 'epoch ms (integer or integer string, 2009..2100)');
    return ms;
  }

  /** A zone-less `yyyy-MM-ddTHH:mm:ss` that the protocol defines as UTC, as epoch ms. */
  utcDateTimeMs(key: FieldKey): number {
    const value = this.values[key];
    const ms = typeof value === 'string' ? parseZonelessUtcMs(value) : null;
    if (ms === null) this.fail(key, 'a UTC date-time yyyy-MM-ddTHH:mm:ss (2009..2100)');
    return ms;
  }

  object(key: FieldKey): Fields {
    return this.frame.object(this.values[key], this.pathOf(key));
  }

  array(key: FieldKey): unknown[] {
    return this.frame.array(this.values[key], this.pathOf(key));
  }

  /** Reads `key` with `read` when present; undefined when absent. */
  optional<T>(key: FieldKey, read: (this: Fields, key: FieldKey) => T): T | undefined {
    return this.has(key) ? read.call(this, key) : undefined;
  }
}

const PREVIEW_MAX_CHARS = 40;

function preview(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'number' ? String(value) : JSON.stringify(value);
  return text.length > PREVIEW_MAX_CHARS ? `${text.slice(0, PREVIEW_MAX_CHARS)}…` : text;
}
