import type { Frame } from '../fields.js';

// sequential_id ≈ trade_timestamp × 10^3..10^4 + n passes 2^53, where JSON.parse rounds odd
// values to a neighbour. The exact digits are taken from the frame text instead; trades appear
// in the text in the same order as in the parsed value, so the n-th match belongs to the n-th trade.
const SEQUENTIAL_ID = /"(?:sequential_id|sid)"\s*:\s*([-+\d.eE]+)/g;

/** Hands out the exact sequential_id digits of one frame, trade by trade. */
export class SequentialIds {
  private tokens: string[] | undefined;
  private next = 0;

  constructor(private readonly frame: Frame) {}

  /** The digits for the next trade; `parsed` is JSON.parse's value, used as a cross-check. */
  take(parsed: number, path: string): string {
    this.tokens ??= Array.from(this.frame.raw.matchAll(SEQUENTIAL_ID), (match) => match[1]);
    const token = this.tokens[this.next++];
    if (token === undefined || !/^\d+$/.test(token)) {
      this.frame.fail(`${path}: expected an unsigned integer sequential id, got ${token ?? 'nothing'}`);
    }
    if (Number(token) !== parsed) this.frame.fail(`${path}: sequential id ${token} in the text does not match ${parsed}`);
    return token;
  }

  /** Fails when the text holds more sequential ids than trades were parsed. */
  assertAllTaken(): void {
    if (this.tokens !== undefined && this.next !== this.tokens.length) {
      this.frame.fail(`found ${this.tokens.length} sequential ids in the text but ${this.next} trades`);
    }
  }
}
