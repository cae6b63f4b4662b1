// Request builders check their arguments up front: a bad limit, symbol or time is a caller or
// configuration error, reported as a RangeError before anything is sent.
import { isEpochMs } from './time.js';

/** An integer in [min, max], as its query-string text. */
export function integerParam(name: string, value: number, min: number, max: number): string {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
  return String(value);
}

/** Epoch ms between 2009 and 2100, as its query-string text. */
export function epochMsParam(name: string, value: number): string {
  if (!isEpochMs(value)) throw new RangeError(`${name} must be epoch ms (2009..2100), got ${value}`);
  return String(value);
}

/** A non-empty text matching `pattern` (described as `shape` in the error). */
export function textParam(name: string, value: string, pattern: RegExp, shape: string): string {
  if (!pattern.test(value)) throw new RangeError(`${name} must be ${shape}, got ${JSON.stringify(value)}`);
  return value;
}

/** One of the allowed values. */
export function choiceParam<T extends string>(name: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) throw new RangeError(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return value;
}

/** Adds startTime/endTime style bounds when given, rejecting an inverted window. */
export function addTimeWindow(
  query: Record<string, string>,
  names: { start: string; end: string },
  window: { startTimeMs?: number; endTimeMs?: number },
): void {
  const { startTimeMs, endTimeMs } = window;
  if (startTimeMs !== undefined) query[names.start] = epochMsParam(names.start, startTimeMs);
  if (endTimeMs !== undefined) query[names.end] = epochMsParam(names.end, endTimeMs);
  if (startTimeMs !== undefined && endTimeMs !== undefined && startTimeMs > endTimeMs) {
    throw new RangeError(`${names.start} (${startTimeMs}) is after ${names.end} (${endTimeMs})`);
  }
}
