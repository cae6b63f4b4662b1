// Upbit DEFAULT ↔ SIMPLE key tables, as Upbit documents them for trade, orderbook, ticker and
// candle payloads and the LIST_SUBSCRIPTIONS answer.
// Internally every Upbit message is kept with DEFAULT keys; a client's `format` decides the
// spelling on the wire. Unknown keys pass through unchanged in both directions.
import { isJsonObject, type JsonObject, type JsonValue } from '../json/lossless.js';

type KeyTable = ReadonlyArray<readonly [defaultKey: string, simpleKey: string]>;

const TRADE: KeyTable = [
  ['type', 'ty'], ['code', 'cd'], ['timestamp', 'tms'], ['trade_date', 'td'], ['trade_time', 'ttm'],
  ['trade_timestamp', 'ttms'], ['trade_price', 'tp'], ['trade_volume', 'tv'], ['ask_bid', 'ab'],
  ['prev_closing_price', 'pcp'], ['change', 'c'], ['change_price', 'cp'], ['sequential_id', 'sid'],
  ['best_ask_price', 'bap'], ['best_ask_size', 'bas'], ['best_bid_price', 'bbp'], ['best_bid_size', 'bbs'],
  ['stream_type', 'st'],
];
const ORDERBOOK: KeyTable = [
  ['type', 'ty'], ['code', 'cd'], ['timestamp', 'tms'], ['total_ask_size', 'tas'], ['total_bid_size', 'tbs'],
  ['orderbook_units', 'obu'], ['stream_type', 'st'], ['level', 'lv'],
];
const ORDERBOOK_UNIT: KeyTable = [['ask_price', 'ap'], ['bid_price', 'bp'], ['ask_size', 'as'], ['bid_size', 'bs']];
const TICKER: KeyTable = [
  ['type', 'ty'], ['code', 'cd'], ['opening_price', 'op'], ['high_price', 'hp'], ['low_price', 'lp'],
  ['trade_price', 'tp'], ['prev_closing_price', 'pcp'], ['change', 'c'], ['change_price', 'cp'],
  ['signed_change_price', 'scp'], ['change_rate', 'cr'], ['signed_change_rate', 'scr'], ['trade_volume', 'tv'],
  ['acc_trade_volume', 'atv'], ['acc_trade_volume_24h', 'atv24h'], ['acc_trade_price', 'atp'],
  ['acc_trade_price_24h', 'atp24h'], ['trade_date', 'tdt'], ['trade_time', 'ttm'], ['trade_timestamp', 'ttms'],
  ['ask_bid', 'ab'], ['acc_ask_volume', 'aav'], ['acc_bid_volume', 'abv'], ['highest_52_week_price', 'h52wp'],
  ['highest_52_week_date', 'h52wdt'], ['lowest_52_week_price', 'l52wp'], ['lowest_52_week_date', 'l52wdt'],
  ['market_state', 'ms'], ['is_trading_suspended', 'its'], ['delisting_date', 'dd'], ['market_warning', 'mw'],
  ['timestamp', 'tms'], ['stream_type', 'st'], ['trade_status', 'ts'], ['market_state_for_ios', 'msfi'],
];
const CANDLE: KeyTable = [
  ['type', 'ty'], ['code', 'cd'], ['candle_date_time_utc', 'cdttmu'], ['candle_date_time_kst', 'cdttmk'],
  ['opening_price', 'op'], ['high_price', 'hp'], ['low_price', 'lp'], ['trade_price', 'tp'],
  ['candle_acc_trade_volume', 'catv'], ['candle_acc_trade_price', 'catp'], ['timestamp', 'tms'], ['stream_type', 'st'],
];
const LIST_SUBSCRIPTIONS: KeyTable = [['method', 'mthd'], ['result', 'rslt'], ['ticket', 'tckt']];
const LIST_SUBSCRIPTIONS_ITEM: KeyTable = [['type', 'ty'], ['codes', 'cds'], ['level', 'lv']];

export type KeyFormat = 'default' | 'simple';
type Direction = 'toSimple' | 'toDefault';

const lookup = (table: KeyTable, direction: Direction): Map<string, string> =>
  new Map(table.map(([d, s]) => (direction === 'toSimple' ? [d, s] : [s, d])));

const TABLES = { TRADE, ORDERBOOK, TICKER, CANDLE, LIST_SUBSCRIPTIONS };
type TableName = keyof typeof TABLES;
const MAPS: Record<Direction, Record<TableName, Map<string, string>>> = {
  toSimple: { TRADE: lookup(TRADE, 'toSimple'), ORDERBOOK: lookup(ORDERBOOK, 'toSimple'), TICKER: lookup(TICKER, 'toSimple'), CANDLE: lookup(CANDLE, 'toSimple'), LIST_SUBSCRIPTIONS: lookup(LIST_SUBSCRIPTIONS, 'toSimple') },
  toDefault: { TRADE: lookup(TRADE, 'toDefault'), ORDERBOOK: lookup(ORDERBOOK, 'toDefault'), TICKER: lookup(TICKER, 'toDefault'), CANDLE: lookup(CANDLE, 'toDefault'), LIST_SUBSCRIPTIONS: lookup(LIST_SUBSCRIPTIONS, 'toDefault') },
};
const NESTED: Record<Direction, Record<string, Map<string, string>>> = {
  toSimple: { orderbook_units: lookup(ORDERBOOK_UNIT, 'toSimple'), result: lookup(LIST_SUBSCRIPTIONS_ITEM, 'toSimple') },
  toDefault: { orderbook_units: lookup(ORDERBOOK_UNIT, 'toDefault'), result: lookup(LIST_SUBSCRIPTIONS_ITEM, 'toDefault') },
};

function tableFor(type: string): TableName | undefined {
  if (type === 'trade') return 'TRADE';
  if (type === 'orderbook') return 'ORDERBOOK';
  if (type === 'ticker') return 'TICKER';
  if (type.startsWith('candle.')) return 'CANDLE';
  if (type === 'LIST_SUBSCRIPTIONS') return 'LIST_SUBSCRIPTIONS';
  return undefined;
}

function renameKeys(obj: JsonObject, map: Map<string, string>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) out[map.get(k) ?? k] = v;
  return out;
}

function translate(body: JsonObject, type: string, direction: Direction): JsonObject {
  const table = tableFor(type);
  if (!table) return body;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(body)) {
    const outKey = MAPS[direction][table].get(k) ?? k;
    // Nested tables are keyed by the DEFAULT name of the parent key.
    const defaultKey = direction === 'toSimple' ? k : outKey;
    const nested = NESTED[direction][defaultKey];
    out[outKey] = nested && Array.isArray(v) ? v.map((item: JsonValue) => (isJsonObject(item) ? renameKeys(item, nested) : item)) : v;
  }
  return out;
}

/** DEFAULT-keyed body → the client's key format. `type` is the DEFAULT type ('trade', 'candle.1m', …). */
export function toKeyFormat(body: JsonObject, type: string, format: KeyFormat): JsonObject {
  return format === 'simple' ? translate(body, type, 'toSimple') : body;
}

/** A recorded frame in either spelling → DEFAULT keys. */
export function toDefaultKeys(body: JsonObject): JsonObject {
  if (typeof body.type === 'string') return body;
  const type = body.ty;
  return typeof type === 'string' ? translate(body, type, 'toDefault') : body;
}
