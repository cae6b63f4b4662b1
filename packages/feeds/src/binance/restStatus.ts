// Classifies a Binance REST response before its body is parsed: success, rate limited or banned
// (429 / 418 with Retry-After and the ban end), or an API error body {"code":-1121,"msg":…}.
import { readBannedUntilMs, readRetryAfterSec } from '../client/pollTiming.js';
import { readIntegerHeader, type HeaderSource } from '../http.js';

export type BinanceResponseStatus =
  | { kind: 'ok'; usedWeight1m: number | null }
  | {
      kind: 'rate_limited';
      /** 429: back off; 418: the IP is banned (2 min … 3 days, escalating). */
      httpStatus: 429 | 418;
      /** From Retry-After when sent; otherwise back off to the next minute. */
      retryAfterSec: number | null;
      /** From a -1003 "IP banned until <ms>" message when present. */
      bannedUntilMs: number | null;
      code: number | null;
      msg: string;
      usedWeight1m: number | null;
    }
  | { kind: 'error'; httpStatus: number; code: number | null; msg: string; usedWeight1m: number | null };

/** X-MBX-USED-WEIGHT-1M: request weight used by this IP in the current minute. */
export function parseBinanceUsedWeight1m(headers: HeaderSource): number | null {
  return readIntegerHeader(headers, 'X-MBX-USED-WEIGHT-1M');
}

export function classifyBinanceResponse(httpStatus: number, headers: HeaderSource, body: string): BinanceResponseStatus {
  const usedWeight1m = parseBinanceUsedWeight1m(headers);
  if (httpStatus >= 200 && httpStatus < 300) return { kind: 'ok', usedWeight1m };
  const { code, msg } = readErrorBody(body);
  if (httpStatus === 429 || httpStatus === 418) {
    const retryAfterSec = readRetryAfterSec(headers);
    return { kind: 'rate_limited', httpStatus, retryAfterSec, bannedUntilMs: readBannedUntilMs(msg), code, msg, usedWeight1m };
  }
  return { kind: 'error', httpStatus, code, msg, usedWeight1m };
}

/** `{"code":-1121,"msg":"Invalid symbol."}`; anything else (HTML from a WAF, empty) is kept as the message. */
function readErrorBody(body: string): { code: number | null; msg: string } {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) {
      const { code, msg } = parsed as { code?: unknown; msg?: unknown };
      if (Number.isInteger(code) && typeof msg === 'string') return { code: code as number, msg };
    }
  } catch {
    // Not JSON: fall through and report the text itself.
  }
  return { code: null, msg: body.trim().slice(0, 200) };
}
