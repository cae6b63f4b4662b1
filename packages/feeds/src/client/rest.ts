// One REST call with a timeout, as data: the pollers classify status and headers themselves.
import { restUrl, type RestRequest } from '../http.js';

export interface RestResponse {
  url: string;
  status: number;
  headers: Headers;
  body: string;
  latencyMs: number;
  recvTsMs: number;
}

/** Network failure or timeout (no HTTP status). */
export class RestTransportError extends Error {
  constructor(
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RestTransportError';
  }
}

export async function fetchRest(baseUrl: string, request: RestRequest, timeoutMs = 10_000): Promise<RestResponse> {
  const url = restUrl(baseUrl, request);
  const started = Date.now();
  try {
    const res = await fetch(url, { headers: { accept: 'application/json', ...request.headers }, signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    const recvTsMs = Date.now();
    return { url, status: res.status, headers: res.headers, body, latencyMs: recvTsMs - started, recvTsMs };
  } catch (err) {
    const e = err as Error;
    const reason = e.name === 'TimeoutError' ? `no response within ${timeoutMs} ms` : ((e.cause as Error)?.message ?? e.message);
    throw new RestTransportError(url, reason, { cause: err });
  }
}
