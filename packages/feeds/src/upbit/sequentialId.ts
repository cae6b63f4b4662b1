import type { Frame } from '../fields.js';

// sequential_id ≈ trade_timestamp × 10^3..10^4 + n passes 2^53, where JSON.parse rounds odd
// values to a neighbour. The exact digits are taken from the frame text instead; trades appear
// in the text in the same order as in the parsed value, so the n-th match belongs to the n-th trade.
const KEYS = ['"sequential_id"', '"sid"'];

/** The number tokens after every sequential-id key, in text order (indexOf, no regex: hot path). */
function sequentialIdTokens(raw: string): string[] {
  const tokens: string[] = [];
  for (const key of KEYS) {
    for (let at = raw.indexOf(key); at >= 0; at = raw.indexOf(key, at + key.length)) {
      let i = skipSpaces(raw, at + key.length);
      if (raw[i] !== ':') continue; // the key text inside a string value, not a key
      i = skipSpaces(raw, i + 1);
      let end = i;
      while (end < raw.length && isNumberChar(raw.charCodeAt(end))) end++;
      tokens.push(raw.slice(i, end));
    }
    // A frame uses one key format (DEFAULT or SIMPLE), never both.
    if (tokens.length > 0) break;
  }
  return tokens;
}

function skipSpaces(raw: string, i: number): number {
  while (raw.charCodeAt(i) === 32 || raw.charCodeAt(i) === 9 || raw.charCodeAt(i) === 10 || raw.charCodeAt(i) === 13) i++;
  return i;
}

/** 0-9 - + . e E: enough to capture (and then reject) any JSON number token. */
function isNumberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69;
}

/** Hands out the exact sequential_id digits of one frame, trade by trade. */
export class SequentialIds {
  private tokens: string[] | undefined;
  private next = 0;

  constructor(private readonly frame: Frame) {}

  /** The digits for the next trade; `parsed` is JSON.parse's value, used as a cross-check. */
  take(parsed: number, path: string): string {
    this.tokens ??= sequentialIdTokens(this.frame.raw);
    const token = this.tokens[this.next++];
    if (token === undefined || token === '' || !/^\d+$/.test(token)) {
      this.frame.fail(`${path}: expected an unsigned integer sequential id, got ${token || 'nothing'}`);
    }
    if (Number(token) !== parsed) this.frame.fail(`${path}: sequential id ${token} in the text does not match ${parsed}`);
    // A copy, not the slice: V8 keeps a slice's whole parent string alive, and a collector
    // remembers thousands of ids (its dedupe ring), so each would hold its frame's text.
    return BigInt(token).toString();
  }

  /** Fails when the text holds more sequential ids than trades were parsed. */
  assertAllTaken(): void {
    if (this.tokens !== undefined && this.next !== this.tokens.length) {
      this.frame.fail(`found ${this.tokens.length} sequential ids in the text but ${this.next} trades`);
    }
  }
}
