import { FeedParseError } from '../errors.js';
import { Frame, type Fields } from '../fields.js';
import { parseUpbitCandle, type UpbitCandle } from './candle.js';
import { defaultKey, simpleKey, type UpbitKeyOf } from './keys.js';
import { parseUpbitOrderbook, type UpbitOrderbook } from './orderbook.js';
import { SequentialIds } from './sequentialId.js';
import { parseUpbitTicker, type UpbitTicker } from './ticker.js';
import { parseUpbitTrade, type UpbitTrade } from './trade.js';

/** The server's answer to a bad request, e.g. name NO_CODES. Data, not an exception. */
export interface UpbitErrorMessage {
  kind: 'error';
  name: string;
  message: string;
}

/** Keep-alive answer to a text `PING` ({"status":"UP"}). */
export interface UpbitStatus {
  kind: 'status';
  status: string;
}

export type UpbitEvent = UpbitTrade | UpbitOrderbook | UpbitTicker | UpbitCandle | UpbitErrorMessage | UpbitStatus;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * One Upbit WebSocket frame → its events. Data frames are binary UTF-8 JSON (a Buffer from `ws`);
 * text is accepted too. DEFAULT and SIMPLE keys give the same event shape; the *_LIST formats
 * carry several messages per frame, so the result is always an array.
 */
export function parseUpbitFrame(data: string | Uint8Array): UpbitEvent[] {
  const frame = new Frame('upbit.ws', typeof data === 'string' ? data : decodeUtf8(data));
  const root = frame.json();
  const sequentialIds = new SequentialIds(frame);
  const events = Array.isArray(root)
    ? root.map((item, i) => parseMessage(frame.object(item, `$[${i}]`), sequentialIds))
    : [parseMessage(frame.object(root), sequentialIds)];
  sequentialIds.assertAllTaken();
  return events;
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch (error) {
    throw new FeedParseError('upbit.ws', 'frame is not valid UTF-8', Buffer.from(bytes).toString('utf8'), { cause: error });
  }
}

function parseMessage(f: Fields, sequentialIds: SequentialIds): UpbitEvent {
  if (f.has('ty')) return parseData(f, simpleKey, sequentialIds);
  if (f.has('type')) return parseData(f, defaultKey, sequentialIds);
  if (f.has('error')) {
    const error = f.object('error');
    return { kind: 'error', name: error.string('name'), message: error.string('message') };
  }
  if (f.has('status')) return { kind: 'status', status: f.string('status') };
  return f.frame.fail(`${f.path}: not an Upbit message (no type, error or status key)`);
}

function parseData(f: Fields, key: UpbitKeyOf, sequentialIds: SequentialIds): UpbitEvent {
  const type = f.string(key('type'));
  if (type === 'trade') return parseUpbitTrade(f, key, sequentialIds);
  if (type === 'orderbook') return parseUpbitOrderbook(f, key);
  if (type === 'ticker') return parseUpbitTicker(f, key);
  if (type.startsWith('candle.')) return parseUpbitCandle(f, key, type);
  return f.fail(key('type'), 'trade, orderbook, ticker or candle.*');
}
