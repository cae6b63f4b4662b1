// /api/events: Server-Sent Events. One poller per server (not per client) evaluates the status
// every `intervalMs` (2 s) while at least one client listens, and pushes
//   ready    {intervalMs, heartbeatMs, asOf}   once per connection, when the poller has a cursor
//   status   what /api/status says             on connect, then whenever any source's class changes
//   rows     {source, key, symbol, metric, asOf, truncated, rows: {ts: [...], <column>: [...]}}
//            the rows of a source whose newest ts advanced since the last tick (chart columns only)
//   failure  {error}                           a tick failed (the store is down); ticking goes on
// plus a `: heartbeat` comment every `heartbeatMs` (15 s) so proxies keep the connection open.
// When the last client disconnects the poller stops: an idle server does not read the store.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { evaluateStatus, type SqlClient, type StatusConfig, type StatusResult } from '@cqt/checks';
import { refuseUnknown, type Query } from './params.js';
import { seriesSources } from './series.js';

export const EVENTS_INTERVAL_MS = 2000;
export const HEARTBEAT_MS = 15_000;
/** Rows of one source per tick; more (a burst after a stall) is sent as the newest ones, `truncated`. */
export const MAX_ROWS_PER_EVENT = 600;
/** A client that has not read this much is dropped (it reconnects when it can). */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export interface EventsOptions {
  sql: SqlClient;
  config: StatusConfig;
  nowMs: () => number;
  intervalMs?: number;
  heartbeatMs?: number;
  log?: (line: string) => void;
}

export interface RowsEvent {
  source: string;
  key: string;
  symbol: string;
  /** binance_futures_metrics: the metric (its values are under `value`). */
  metric: string | null;
  asOf: string;
  truncated: boolean;
  rows: Record<string, Array<number | null>>;
}

/** The row fetch for a (source, key) of the status: table filters and the columns a chart reads. */
function rowQuery(source: string, key: string): { filters: Array<[string, string]>; columns: string[] } | null {
  switch (source) {
    case 'market_1s':
    case 'binance_mark_price_1s':
    case 'feature_snapshots':
      return { filters: [['symbol', key]], columns: [...seriesSources[source].columns] };
    case 'predictions':
      return { filters: [['symbol', key]], columns: ['horizon_sec', ...seriesSources.predictions.columns] };
    case 'binance_futures_metrics': {
      const [symbol, metric] = key.split('/');
      return { filters: [['symbol', symbol], ['metric', metric]], columns: ['value'] };
    }
    default:
      return null;
  }
}

/** The rows of (source, key) with fromMs < ts <= toMs, oldest first; the newest MAX when more. */
export async function readNewRows(sql: SqlClient, source: string, key: string, fromMs: number, toMs: number): Promise<Omit<RowsEvent, 'asOf'> | null> {
  const spec = rowQuery(source, key);
  if (!spec) return null;
  const params: unknown[] = spec.filters.map(([, v]) => v);
  const where = spec.filters.map(([c], i) => `${c} = $${i + 1}`);
  params.push(new Date(fromMs).toISOString(), new Date(toMs).toISOString(), MAX_ROWS_PER_EVENT + 1);
  const n = params.length;
  const found = await sql.unsafe(
    `select ts, ${spec.columns.join(', ')} from ${source}
      where ${where.join(' and ')} and ts > $${n - 2}::timestamptz and ts <= $${n - 1}::timestamptz
      order by ts desc limit $${n}::int`,
    params,
  );
  const truncated = found.length > MAX_ROWS_PER_EVENT;
  const picked = found.slice(0, MAX_ROWS_PER_EVENT).reverse();
  const rows: RowsEvent['rows'] = { ts: picked.map((r) => (r.ts as Date).getTime()) };
  for (const column of spec.columns) rows[column] = picked.map((r) => finiteOrNull(r[column]));
  const [symbol, metric] = source === 'binance_futures_metrics' ? key.split('/') : [key, null];
  return { source, key, symbol, metric, truncated, rows };
}

// JSON has no NaN: a non-finite value travels as null (status reports it as corruption).
const finiteOrNull = (v: unknown): number | null => (v === null || v === undefined || !Number.isFinite(Number(v)) ? null : Number(v));

const sourceId = (s: { source: string; key: string }) => `${s.source} ${s.key}`;
const classesOf = (status: StatusResult) => `${status.overall}|${status.sources.map((s) => `${sourceId(s)}=${s.class}`).join(',')}`;

export class EventHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly intervalMs: number;
  private readonly heartbeatMs: number;
  private tickTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private status: StatusResult | null = null;
  /** Newest ts per source seen by the last tick: the next rows event starts after it. */
  private cursor = new Map<string, number>();
  private starting: Promise<void> | null = null;
  /** Bumped when the poller stops, so a tick still in flight from before does not reschedule. */
  private generation = 0;
  private closed = false;

  constructor(private readonly options: EventsOptions) {
    this.intervalMs = options.intervalMs ?? EVENTS_INTERVAL_MS;
    this.heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Adds a client: `ready` and the current `status` once the poller has its cursor. */
  async add(client: ServerResponse): Promise<void> {
    this.clients.add(client);
    client.on('close', () => this.remove(client));
    if (!this.tickTimer && !this.starting) {
      this.starting = this.tick(true, this.generation).finally(() => (this.starting = null));
      this.heartbeatTimer = setInterval(() => this.broadcast(`: heartbeat ${new Date(this.options.nowMs()).toISOString()}\n\n`), this.heartbeatMs);
    }
    await this.starting;
    if (!this.clients.has(client)) return;
    this.send(client, 'ready', { intervalMs: this.intervalMs, heartbeatMs: this.heartbeatMs, asOf: this.status?.asOf ?? null });
    if (this.status) this.send(client, 'status', this.status);
  }

  remove(client: ServerResponse): void {
    if (!this.clients.delete(client)) return;
    if (!client.writableEnded) client.end();
    if (this.clients.size === 0) this.stopTimers();
  }

  /** Ends every stream (server shutdown). */
  close(): void {
    this.closed = true;
    for (const client of [...this.clients]) this.remove(client);
    this.stopTimers();
  }

  private stopTimers(): void {
    if (this.tickTimer) clearTimeout(this.tickTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.tickTimer = this.heartbeatTimer = null;
    this.generation++;
    // The next client starts from a fresh cursor.
    this.status = null;
    this.cursor = new Map();
  }

  private schedule(generation: number): void {
    if (this.closed || this.clients.size === 0 || generation !== this.generation) return;
    this.tickTimer = setTimeout(() => void this.tick(false, generation), this.intervalMs);
  }

  private async tick(first: boolean, generation: number): Promise<void> {
    const { sql, config, nowMs, log } = this.options;
    try {
      const asOfMs = nowMs();
      const status = await evaluateStatus(sql, { asOf: asOfMs }, config);
      if (generation !== this.generation) return;
      const changed = this.status === null || classesOf(this.status) !== classesOf(status);
      const advanced: Array<{ source: string; key: string; fromMs: number; toMs: number }> = [];
      for (const s of status.sources) {
        if (s.newestTs === null) continue;
        const newestMs = Date.parse(s.newestTs);
        const previous = this.cursor.get(sourceId(s));
        if (!first && previous !== undefined && newestMs > previous) advanced.push({ source: s.source, key: s.key, fromMs: previous, toMs: newestMs });
        if (!first && previous === undefined) advanced.push({ source: s.source, key: s.key, fromMs: -Infinity, toMs: newestMs });
        this.cursor.set(sourceId(s), Math.max(newestMs, previous ?? -Infinity));
      }
      this.status = status;
      if (changed && !first) this.broadcast(frame('status', status));
      for (const a of advanced) {
        const from = Number.isFinite(a.fromMs) ? a.fromMs : a.toMs - 1;
        const rows = await readNewRows(sql, a.source, a.key, from, a.toMs);
        if (rows && rows.rows.ts.length) this.broadcast(frame('rows', { ...rows, asOf: status.asOf }));
      }
    } catch (error) {
      log?.(`serve: events: ${(error as Error).message}`);
      this.broadcast(frame('failure', { error: (error as Error).message.split('\n')[0] }));
    } finally {
      this.schedule(generation);
    }
  }

  private send(client: ServerResponse, event: string, data: unknown): void {
    this.write(client, frame(event, data));
  }

  private broadcast(text: string): void {
    for (const client of [...this.clients]) this.write(client, text);
  }

  private write(client: ServerResponse, text: string): void {
    if (client.writableEnded || client.destroyed) return this.remove(client);
    client.write(text);
    if (client.writableLength > MAX_BUFFERED_BYTES) {
      client.destroy();
      this.remove(client);
    }
  }
}

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** GET /api/events on the app; the hub's streams end when the server closes. */
export function registerEvents(app: FastifyInstance, options: EventsOptions): EventHub {
  const hub = new EventHub(options);
  app.addHook('preClose', async () => hub.close());
  app.get('/api/events', async (request, reply) => {
    refuseUnknown(request.query as Query, []);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    // EventSource reconnects after 3 s when the stream breaks.
    raw.write('retry: 3000\n\n');
    await hub.add(raw);
  });
  return hub;
}
