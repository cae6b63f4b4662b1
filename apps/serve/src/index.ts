// `cqt serve`: the JSON API over the store (docs/serve.md). Loopback by default; any other
// address only with CQT_SERVE_TOKEN, which every request must then carry as a bearer token. Runs
// until SIGINT/SIGTERM, then stops accepting, finishes what is in flight and closes the store.
import { isIP } from 'node:net';
import { UsageError, createLogger, loadConfig, type CommandOutput, type LogFormat } from '@cqt/config';
import { openDb, type Db } from '@cqt/db';
import { writeSnapshot, type SnapshotResult } from './dashboard/snapshot.js';
import { registerMetrics } from './observe.js';
import { buildServer, type GateRunner } from './server.js';

export type { GateRunner } from './server.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8787;

export interface ServeOptions {
  host?: string;
  port?: number;
  databaseUrl?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  /** A store handle the caller owns (tests); otherwise one is opened and closed by the server. */
  db?: Db;
  gates?: GateRunner;
  /** Stops the server (SIGINT/SIGTERM in the CLI). */
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Default log (no `log`): human lines, or JSON objects (--log-format json). */
  logFormat?: LogFormat;
  nowMs?: () => number;
  /** Write the dashboard as one self-contained HTML file instead of serving. */
  snapshot?: string;
  /** The snapshot's as-of (epoch ms; default now). */
  asOf?: number;
  /** /api/events timing (tests shorten it). */
  events?: { intervalMs?: number; heartbeatMs?: number };
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  tokenRequired: boolean;
  close(): Promise<void>;
}

export interface ServeResult {
  url: string;
  tokenRequired: boolean;
  stoppedAt: string;
}

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '::ffff:127.0.0.1';
}

export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const env = options.env ?? process.env;
  const { values: config } = loadConfig({ flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir }, env });
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  const token = config.serveToken;
  if (!isLoopback(host) && token === undefined) {
    throw new UsageError(`--host ${host} is not loopback: serving beyond this machine requires CQT_SERVE_TOKEN`, 'set CQT_SERVE_TOKEN (at least 16 characters, e.g. `openssl rand -hex 24`), or keep --host 127.0.0.1');
  }
  const db = options.db ?? (await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  const app = buildServer({ db, config, gates: options.gates, token, nowMs: options.nowMs, log: options.log, events: options.events });
  try {
    await registerMetrics(app);
    await app.listen({ host, port });
  } catch (error) {
    await app.close();
    if (!options.db) await db.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} on ${host} is already in use`, 'choose another --port, or stop the process using it');
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`cannot bind --host ${host}: not an address of this machine`, 'use 127.0.0.1, 0.0.0.0 or one of this machine\'s addresses');
    throw error;
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${bound}`,
    host,
    port: bound,
    tokenRequired: token !== undefined,
    async close() {
      await app.close();
      if (!options.db) await db.close();
    },
  };
}

/** Serves until the signal aborts (or, with `snapshot`, writes the report and returns). */
export async function run(options: ServeOptions = {}): Promise<ServeResult | SnapshotResult> {
  const log = options.log ?? createLogger({ command: 'serve', format: options.logFormat, env: options.env });
  if (options.snapshot !== undefined) return snapshot(options.snapshot, options);
  if (options.asOf !== undefined) throw new UsageError('--as-of applies to --snapshot only', 'a running server answers as of each request (every endpoint takes ?asOf=)');
  const server = await startServer({ ...options, log });
  const access = server.tokenRequired ? 'bearer token required (CQT_SERVE_TOKEN)' : 'loopback only, no token';
  log(`serve: listening on ${server.url} (${access}); metrics at ${server.url}/metrics; SIGINT/SIGTERM stops`);
  await new Promise<void>((resolve) => {
    if (!options.signal || options.signal.aborted) return resolve();
    options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  log('serve: stopped');
  return { url: server.url, tokenRequired: server.tokenRequired, stoppedAt: new Date().toISOString() };
}

async function snapshot(path: string, options: ServeOptions): Promise<SnapshotResult> {
  const { values: config } = loadConfig({ flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir }, env: options.env ?? process.env });
  const db = options.db ?? (await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  try {
    return await writeSnapshot({ db, config, gates: options.gates }, path, options.asOf ?? options.nowMs?.() ?? Date.now());
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR') {
      throw new UsageError(`cannot write --snapshot ${path}: ${code}`, 'give a file path in a folder that exists and is writable');
    }
    throw error;
  } finally {
    if (!options.db) await db.close();
  }
}

export function output(result: ServeResult | SnapshotResult): CommandOutput {
  if ('snapshot' in result) {
    const size = `${(result.bytes / 1024).toFixed(0)} KB`;
    return { exitCode: 0, json: result, human: () => `wrote ${result.snapshot} (${size}): the dashboard as of ${result.asOf}, ${result.market ?? 'no market'} / ${result.symbol ?? 'no symbol'}; opens offline` };
  }
  return { exitCode: 0, json: result, human: () => `served ${result.url} until ${result.stoppedAt}` };
}
