// Coinglass v4 wraps every answer in {code, msg, data} with `code` a STRING. Success is HTTP 2xx
// AND code "0": plan gating, for one, arrives as HTTP 200 with {"code":"401","msg":"Upgrade plan"}.
import type { Fields, Frame } from '../fields.js';
import { readIntegerHeader, type HeaderSource } from '../http.js';

export type CoinglassErrorKind = 'bad_key' | 'plan_not_permitted' | 'rate_limited' | 'bad_request' | 'server' | 'other';

/** API-KEY-MAX-LIMIT (requests per minute) and API-KEY-USE-LIMIT (used in the current window). */
export interface CoinglassRateLimit {
  maxPerMin: number | null;
  usedInWindow: number | null;
}

export type CoinglassResponseStatus =
  | { ok: true; rateLimit: CoinglassRateLimit }
  | {
      ok: false;
      kind: CoinglassErrorKind;
      httpStatus: number;
      /** The body's code when the body is an envelope. */
      code: string | null;
      msg: string;
      rateLimit: CoinglassRateLimit;
    };

export function parseCoinglassRateLimit(headers: HeaderSource): CoinglassRateLimit {
  return {
    maxPerMin: readIntegerHeader(headers, 'API-KEY-MAX-LIMIT'),
    usedInWindow: readIntegerHeader(headers, 'API-KEY-USE-LIMIT'),
  };
}

// v3 codes still seen in the wild: 30001 key missing, 40001 see msg (plan), 50001 rate limit.
const RATE_LIMIT_CODES = new Set(['429', '50001']);
const AUTH_CODES = new Set(['401', '403', '30001', '40001']);

/** Status of a response, read from the HTTP status, the envelope code and, for 401, the message. */
export function classifyCoinglassResponse(httpStatus: number, headers: HeaderSource, body: string): CoinglassResponseStatus {
  const rateLimit = parseCoinglassRateLimit(headers);
  const { code, msg } = readEnvelopeHead(body);
  const httpOk = httpStatus >= 200 && httpStatus < 300;
  // Strictly the string "0": a numeric 0 is off-protocol and the body parsers would reject it.
  if (httpOk && code === '0') return { ok: true, rateLimit };
  const codeText = typeof code === 'string' || typeof code === 'number' ? String(code) : null;
  // An HTTP error speaks for itself; over HTTP 2xx the body code is the status.
  const status = httpOk ? (codeText ?? 'malformed') : String(httpStatus);
  return { ok: false, kind: errorKind(status, codeText, msg), httpStatus, code: codeText, msg, rateLimit };
}

function errorKind(status: string, code: string | null, msg: string): CoinglassErrorKind {
  if (RATE_LIMIT_CODES.has(status) || (code !== null && RATE_LIMIT_CODES.has(code))) return 'rate_limited';
  // One 401 means a bad key or an endpoint outside the plan; only msg ("Upgrade plan") tells them apart.
  if (status.startsWith('4') && /upgrade|\bplan\b/i.test(msg)) return 'plan_not_permitted';
  if (AUTH_CODES.has(status) || /api[- ]?key/i.test(msg)) return 'bad_key';
  if (status.startsWith('5')) return 'server';
  if (status.startsWith('4')) return 'bad_request';
  return 'other';
}

/** code and msg of a body that may be an envelope, an HTML error page or empty. */
function readEnvelopeHead(body: string): { code: unknown; msg: string } {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'code' in parsed) {
      const { code, msg } = parsed as { code: unknown; msg?: unknown };
      return { code, msg: typeof msg === 'string' ? msg : '' };
    }
  } catch {
    // Not JSON (e.g. an HTML 500 page): report the text.
  }
  return { code: undefined, msg: body.trim().slice(0, 200) };
}

/** A success envelope, to read `data` from; any other code is a parse error naming code and msg. */
export function readCoinglassEnvelope(frame: Frame): Fields {
  const envelope = frame.object(frame.json());
  const code = envelope.string('code');
  if (code !== '0') frame.fail(`envelope code ${code}: ${envelope.optional('msg', envelope.string) ?? ''}`);
  return envelope;
}
