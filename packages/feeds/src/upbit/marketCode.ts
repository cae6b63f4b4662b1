import { textParam } from '../requestParams.js';

const MARKET_CODE = /^[A-Z0-9]+-[A-Z0-9]+$/;

/** An Upbit market code such as KRW-BTC, upper-cased (the server requires upper case). */
export function marketCodeParam(code: string): string {
  return textParam('market code', code.toUpperCase(), MARKET_CODE, 'QUOTE-BASE, e.g. KRW-BTC');
}
