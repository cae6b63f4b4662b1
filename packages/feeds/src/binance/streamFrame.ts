import { Frame, type Fields } from '../fields.js';
import { STREAM_EVENTS, type BinanceMarketEvent } from './streamEvents.js';

/** Answer to a SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS / property request. */
export interface BinanceControlResult {
  kind: 'result';
  id: number;
  /** null for (un)subscribe, the stream list for LIST_SUBSCRIPTIONS, a value for GET_PROPERTY. */
  result: unknown;
}

/** `{"code":…,"msg":…}` sent on the socket after a bad control message. */
export interface BinanceControlError {
  kind: 'error';
  code: number;
  msg: string;
  id: number | null;
}

export type BinanceStreamMessage = BinanceMarketEvent | BinanceControlResult | BinanceControlError;

/**
 * One USD-M WebSocket text frame → a typed message: a market event from a combined-stream
 * envelope `{stream, data}` (or a bare payload from a raw `/ws/` socket), or a control reply.
 */
export function parseBinanceFrame(raw: string): BinanceStreamMessage {
  const frame = new Frame('binance.ws', raw);
  const root = frame.object(frame.json());
  if (root.has('stream')) return parsePayload(root.object('data'), root.string('stream'));
  if (root.has('e')) return parsePayload(root, null);
  if (root.has('code')) {
    return { kind: 'error', code: root.integer('code'), msg: root.string('msg'), id: root.optional('id', root.integer) ?? null };
  }
  if (root.has('id')) return { kind: 'result', id: root.integer('id'), result: root.raw('result') ?? null };
  return frame.fail('not a stream envelope, payload or control reply');
}

function parsePayload(data: Fields, stream: string | null): BinanceMarketEvent {
  const type = data.string('e');
  const spec = Object.hasOwn(STREAM_EVENTS, type) ? STREAM_EVENTS[type] : undefined;
  if (spec === undefined) return data.fail('e', Object.keys(STREAM_EVENTS).join('|'));
  const event = spec.parse(data);
  // A payload must match the stream it came on: catches mis-routed or mixed-up frames.
  if (stream !== null && !stream.startsWith(`${event.symbol.toLowerCase()}@${spec.channel}`)) {
    data.frame.fail(`$.stream: ${stream} does not carry ${type} for ${event.symbol}`);
  }
  return event;
}
