// Prometheus metrics for the long-running commands (decision 133): one registry per process with
// the standard process_* / nodejs_* metrics (RSS, CPU, event-loop delay), cqt_* metrics declared
// through the typed helpers below, and a small loopback HTTP server for /metrics. The apps mostly
// read counts they already keep (stream stats, writer stats, client stats) at scrape time through
// counterFrom/gaugeFrom, so nothing is counted twice.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type { Registry } from 'prom-client';
export type Labels<L extends string> = Partial<Record<L, string | number>>;

/** cqt_ prefix, snake_case; counters end in _total (Prometheus naming conventions). */
const NAME = /^cqt_[a-z][a-z0-9_]*[a-z0-9]$/;
const LABEL = /^[a-z][a-z0-9_]*$/;

function checkName(name: string, kind: 'counter' | 'gauge' | 'histogram', labelNames: readonly string[]): void {
  if (!NAME.test(name)) throw new Error(`metric ${name}: names are snake_case with the cqt_ prefix`);
  if (kind === 'counter' && !name.endsWith('_total')) throw new Error(`metric ${name}: a counter's name ends in _total`);
  if (kind !== 'counter' && name.endsWith('_total')) throw new Error(`metric ${name}: _total is for counters`);
  for (const l of labelNames) if (!LABEL.test(l)) throw new Error(`metric ${name}: label ${l} is not snake_case`);
}

/**
 * A registry for one process: the default process/Node.js metrics under their standard names
 * (process_resident_memory_bytes, nodejs_eventloop_lag_seconds, …, so stock dashboards and alerts
 * apply) plus cqt_info{command} = 1.
 */
export function createRegistry(command: string): Registry {
  const registry = new Registry();
  // 10 ms resolution for the event-loop delay histogram (prom-client's default).
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  const info = gauge(registry, 'cqt_info', 'the cqt command this process runs (always 1)', ['command']);
  info.set({ command }, 1);
  return registry;
}

export function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  checkName(name, 'counter', labelNames);
  return new Counter<L>({ name, help, labelNames: [...labelNames], registers: [registry] });
}

export function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
  checkName(name, 'gauge', labelNames);
  return new Gauge<L>({ name, help, labelNames: [...labelNames], registers: [registry] });
}

/** Seconds buckets from 1 ms to 60 s: snapshot, job and request times all fall in it. */
export const SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function histogram<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[] = [], buckets: number[] = SECONDS_BUCKETS): Histogram<L> {
  checkName(name, 'histogram', labelNames);
  return new Histogram<L>({ name, help, labelNames: [...labelNames], buckets, registers: [registry] });
}

/** [labels, value] pairs read from counts kept elsewhere. */
export type Samples<L extends string> = Iterable<readonly [Labels<L>, number]>;

/**
 * A counter whose values are read at each scrape from a count the app keeps anyway (stream
 * stats, writer stats): the count is never kept twice. `read` must return monotonic values.
 */
export function counterFrom<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], read: () => Samples<L>): Counter<L> {
  checkName(name, 'counter', labelNames);
  return new Counter<L>({
    name,
    help,
    labelNames: [...labelNames],
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels as never, value);
    },
  });
}

/**
 * A gauge whose values are read at each scrape (queue depth, lag); `read` may query the store
 * (a promise: the scrape waits for it). NaN/null values are left out.
 */
export function gaugeFrom<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => Iterable<readonly [Labels<L>, number | null]> | Promise<Iterable<readonly [Labels<L>, number | null]>>,
): Gauge<L> {
  checkName(name, 'gauge', labelNames);
  return new Gauge<L>({
    name,
    help,
    labelNames: [...labelNames],
    registers: [registry],
    async collect() {
      const samples = await read();
      this.reset();
      for (const [labels, value] of samples) if (value !== null && Number.isFinite(value)) this.set(labels as never, value);
    },
  });
}

/** Seconds since `startMs`, for histogram observations. */
export const secondsSince = (startMs: number, nowMs = performance.now()) => (nowMs - startMs) / 1000;

export const DEFAULT_METRICS_HOST = '127.0.0.1';

export interface MetricsServer {
  /** http://host:port/metrics */
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/** The text a scrape gets, with its content type (also used by `cqt serve` on its own port). */
export async function scrape(registry: Registry): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/**
 * GET /metrics on host:port (default 127.0.0.1; port 0 picks a free port, see `port`). Rejects
 * with the listen error (its `code`: EADDRINUSE, EADDRNOTAVAIL) for the caller to word.
 */
export async function startMetricsServer(registry: Registry, options: { port: number; host?: string }): Promise<MetricsServer> {
  const host = options.host ?? DEFAULT_METRICS_HOST;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n');
      return;
    }
    scrape(registry).then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(req.method === 'HEAD' ? undefined : body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(err as Error).message}\n`),
    );
  });
  // Scrapes are short: idle keep-alive sockets must not hold the process open at stop.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | null = null;
  return {
    url: `http://${urlHost}:${port}/metrics`,
    host,
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/** Text exposition format → { 'name{labels}': value }, for tests and `cqt` tooling. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?)\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!m) throw new Error(`not a metrics line: ${line}`);
    out.set(m[1], Number(m[2]));
  }
  return out;
}

/** The sum of every sample of `name` whose labels include `labels` (e.g. all streams of a venue). */
export function sumSamples(samples: Map<string, number>, name: string, labels: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const [key, value] of samples) {
    const brace = key.indexOf('{');
    if ((brace < 0 ? key : key.slice(0, brace)) !== name) continue;
    const text = brace < 0 ? '' : key.slice(brace);
    if (!Object.entries(labels).every(([k, v]) => text.includes(`${k}="${v}"`))) continue;
    total = (total ?? 0) + value;
  }
  return total;
}
