// Shapes shared by the REST request builders and response classifiers; no I/O here.

/** A REST call as data: the client appends `path` + query to its configured base URL. */
export interface RestRequest {
  path: string;
  query: Record<string, string>;
  headers?: Record<string, string>;
}

/** Response headers from fetch (`Headers`) or node:http (`IncomingHttpHeaders`). */
export type HeaderSource = Headers | Record<string, string | string[] | number | undefined>;

/** `base` + path + query string; a trailing slash on `base` is ignored. */
export function restUrl(baseUrl: string, request: RestRequest): string {
  const query = new URLSearchParams(request.query).toString();
  return `${baseUrl.replace(/\/+$/, '')}${request.path}${query === '' ? '' : `?${query}`}`;
}

/** Case-insensitive header lookup; the first value when repeated. */
export function readHeader(headers: HeaderSource, name: string): string | null {
  if (typeof headers.get === 'function') return (headers as Headers).get(name);
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return String(Array.isArray(value) ? value[0] : value);
  }
  return null;
}

/** A header holding a non-negative integer (weights, limits, Retry-After seconds), else null. */
export function readIntegerHeader(headers: HeaderSource, name: string): number | null {
  const value = readHeader(headers, name)?.trim();
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : null;
}
