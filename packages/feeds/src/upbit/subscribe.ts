import { choiceParam, textParam } from '../requestParams.js';
import { marketCodeParam } from './marketCode.js';
import { CANDLE_INTERVALS, type UpbitCandleInterval, type UpbitFormat } from './types.js';

export const ORDERBOOK_DEPTHS = [1, 5, 15, 30] as const;
export type UpbitOrderbookDepth = (typeof ORDERBOOK_DEPTHS)[number];

export interface UpbitSubscription {
  /** Any identifier; a UUID is recommended. */
  ticket: string;
  trades?: string[];
  /** depth: book levels per message (server default 30); level: KRW price grouping. */
  orderbook?: { codes: string[]; depth?: UpbitOrderbookDepth; level?: number };
  tickers?: string[];
  candles?: { interval: UpbitCandleInterval; codes: string[] };
  format?: UpbitFormat;
  /** Skip the initial snapshot, stream only. */
  isOnlyRealtime?: boolean;
  /** One snapshot, no stream. */
  isOnlySnapshot?: boolean;
}

const FORMATS: readonly UpbitFormat[] = ['DEFAULT', 'SIMPLE', 'JSON_LIST', 'SIMPLE_LIST'];

/**
 * The subscribe request as JSON text, to send as a text frame:
 * `[{ticket}, {type, codes, is_only_realtime?}, …, {format}]`. Codes are upper-cased (the server
 * requires it); flags use the current snake_case spelling. The request is the full desired set.
 */
export function buildUpbitSubscribe(subscription: UpbitSubscription): string {
  const { ticket, trades, orderbook, tickers, candles, isOnlyRealtime, isOnlySnapshot } = subscription;
  textParam('ticket', ticket, /\S/, 'a non-empty string');
  if (isOnlyRealtime === true && isOnlySnapshot === true) {
    throw new RangeError('isOnlyRealtime and isOnlySnapshot exclude each other');
  }
  const flags = {
    ...(isOnlySnapshot === true && { is_only_snapshot: true }),
    ...(isOnlyRealtime === true && { is_only_realtime: true }),
  };
  const types: object[] = [];
  if (trades !== undefined) types.push({ type: 'trade', codes: marketCodes(trades), ...flags });
  if (orderbook !== undefined) {
    const { depth, level } = orderbook;
    if (depth !== undefined && !ORDERBOOK_DEPTHS.includes(depth)) {
      throw new RangeError(`orderbook depth must be one of ${ORDERBOOK_DEPTHS.join(', ')}, got ${depth}`);
    }
    if (level !== undefined && !(Number.isFinite(level) && level >= 0)) {
      throw new RangeError(`orderbook level must be a finite number ≥ 0, got ${level}`);
    }
    const codes = marketCodes(orderbook.codes).map((code) => (depth === undefined ? code : `${code}.${depth}`));
    types.push({ type: 'orderbook', codes, ...(level !== undefined && { level }), ...flags });
  }
  if (tickers !== undefined) types.push({ type: 'ticker', codes: marketCodes(tickers), ...flags });
  if (candles !== undefined) {
    const interval = choiceParam('candle interval', candles.interval, CANDLE_INTERVALS);
    types.push({ type: `candle.${interval}`, codes: marketCodes(candles.codes), ...flags });
  }
  if (types.length === 0) throw new RangeError('an Upbit subscription needs at least one of trades, orderbook, tickers, candles');
  const format = choiceParam('format', subscription.format ?? 'DEFAULT', FORMATS);
  return JSON.stringify([{ ticket }, ...types, { format }]);
}

function marketCodes(codes: string[]): string[] {
  if (codes.length === 0) throw new RangeError('codes must not be empty');
  return codes.map(marketCodeParam);
}
