import { Frame } from '../fields.js';
import type { RestRequest } from '../http.js';
import { epochMsParam, integerParam } from '../requestParams.js';
import { marketCodeParam } from './marketCode.js';

export const MINUTE_CANDLE_UNITS = [1, 3, 5, 10, 15, 30, 60, 240] as const;
export type UpbitMinuteUnit = (typeof MINUTE_CANDLE_UNITS)[number];

/** Upbit's per-request cap on `count`. */
export const MAX_CANDLE_COUNT = 200;

export interface UpbitMinuteCandle {
  market: string;
  unit: UpbitMinuteUnit;
  /** Bar start (candle_date_time_utc, zone-less UTC). */
  candleStartMs: number;
  openingPrice: number;
  highPrice: number;
  lowPrice: number;
  /** Close. */
  tradePrice: number;
  /** Time of the last trade counted in the bar; can lie a few hundred ms past the bar's end. */
  lastTradeTsMs: number;
  /** Quote volume. */
  candleAccTradePrice: number;
  /** Base volume. */
  candleAccTradeVolume: number;
}

/**
 * `GET /v1/candles/minutes/{unit}`. `toMs` is the exclusive end of the window (omitted → latest);
 * sent as ISO-8601 UTC with a Z.
 */
export function upbitMinuteCandlesRequest(params: {
  unit: UpbitMinuteUnit;
  market: string;
  toMs?: number;
  count?: number;
}): RestRequest {
  if (!MINUTE_CANDLE_UNITS.includes(params.unit)) {
    throw new RangeError(`unit must be one of ${MINUTE_CANDLE_UNITS.join(', ')}, got ${params.unit}`);
  }
  const query: Record<string, string> = {
    market: marketCodeParam(params.market),
    count: integerParam('count', params.count ?? MAX_CANDLE_COUNT, 1, MAX_CANDLE_COUNT),
  };
  if (params.toMs !== undefined) {
    epochMsParam('toMs', params.toMs);
    // Upbit takes whole seconds; rounding up keeps every minute bar that starts before toMs.
    query.to = new Date(Math.ceil(params.toMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  }
  return { path: `/v1/candles/minutes/${params.unit}`, query };
}

/**
 * A minute-candles response body → candles in ascending time order (Upbit sends newest first).
 * Bars are keyed by their start; minutes without trades have no candle, so gaps are normal.
 */
export function parseUpbitMinuteCandles(body: string): UpbitMinuteCandle[] {
  const frame = new Frame('upbit.rest', body);
  const candles = frame.array(frame.json()).map((item, i) => {
    const f = frame.object(item, `$[${i}]`);
    const unit = f.integer('unit') as UpbitMinuteUnit;
    if (!MINUTE_CANDLE_UNITS.includes(unit)) f.fail('unit', MINUTE_CANDLE_UNITS.join('|'));
    const candleStartMs = f.utcDateTimeMs('candle_date_time_utc');
    if (candleStartMs % (unit * 60_000) !== 0) f.fail('candle_date_time_utc', `a start aligned to ${unit} minute(s)`);
    return {
      market: f.string('market'),
      unit,
      candleStartMs,
      openingPrice: f.number('opening_price'),
      highPrice: f.number('high_price'),
      lowPrice: f.number('low_price'),
      tradePrice: f.number('trade_price'),
      lastTradeTsMs: f.epochMs('timestamp'),
      candleAccTradePrice: f.number('candle_acc_trade_price'),
      candleAccTradeVolume: f.number('candle_acc_trade_volume'),
    };
  });
  return candles.sort((a, b) => a.candleStartMs - b.candleStartMs);
}
