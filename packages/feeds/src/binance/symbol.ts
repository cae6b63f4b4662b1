import { textParam } from '../requestParams.js';

const SYMBOL = /^[A-Z0-9]+$/;

/** A USD-M symbol or pair such as BTCUSDT, upper-cased. */
export function symbolParam(symbol: string, name = 'symbol'): string {
  return textParam(name, symbol.toUpperCase(), SYMBOL, 'a symbol such as BTCUSDT');
}
