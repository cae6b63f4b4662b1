import { expect } from 'vitest';
import { FeedParseError, type FeedSource } from '../errors.js';

/** Runs `parse` and asserts it threw a FeedParseError from `source` whose reason matches and that carries the frame. */
export function expectParseError(parse: () => unknown, source: FeedSource, raw: string, reason: RegExp): FeedParseError {
  let thrown: unknown;
  try {
    parse();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a FeedParseError').toBeInstanceOf(FeedParseError);
  const error = thrown as FeedParseError;
  expect(error.source).toBe(source);
  expect(error.reason).toMatch(reason);
  expect(error.raw).toBe(raw);
  return error;
}
