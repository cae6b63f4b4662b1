// The HTTP server: Fastify with JSON routes under /api. Every route reads the store through the
// engines the commands use (status evaluator, the gates, classify + softStale), so the API and the
// CLI cannot disagree. With a token every request must carry `Authorization: Bearer <token>`.
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { evaluateStatus, reportsJson, type CheckReport, type StatusConfig } from '@cqt/checks';
import { CqtError, UsageError } from '@cqt/config';
import { DEFAULT_WINDOW_SEC } from '@cqt/config/command';
import type { Db } from '@cqt/db';
import { registerBacktests } from './backtests.js';
import { parseCandlesRequest, readCandles } from './candles.js';
import { registerJobs } from './jobs.js';
import { DEFAULT_HORIZON_SEC, durationParam, horizonParam, refuseUnknown, required, sourcesParam, symbolParam, symbolsParam, timeParam, type Query } from './params.js';
import { registerDashboard, isPublicPath } from './dashboard/routes.js';
import { registerEvents } from './events.js';
import { latestPrediction } from './predictions.js';
import { modelParam } from './models.js';
import { latestCandlePrediction, parseCandlePredictionRequest } from './candlePredictions.js';
import { parseSeriesRequest, readSeries } from './series.js';

/** `cqt check all` for the server: every store gate on the server's store handle. */
export type GateRunner = (options: { db: Db; window: number; asOf: number; symbols?: string[] }) => Promise<CheckReport[]>;

export interface ServerParts {
  db: Db;
  config: StatusConfig;
  /** Absent: /api/checks is not served (the gates live in apps that only the binary may load). */
  gates?: GateRunner;
  token?: string;
  /** "Now" for a request without asOf (tests pin it). */
  nowMs?: () => number;
  /** Where failures of the server itself (500s) are reported. */
  log?: (line: string) => void;
  /** /api/events: how often the store is polled and heartbeats sent (tests shorten them). */
  events?: { intervalMs?: number; heartbeatMs?: number };
}

export function buildServer({ db, config, gates, token, nowMs = Date.now, log = () => {}, events }: ServerParts): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const asOf = (query: Query) => timeParam(query, 'asOf') ?? nowMs();

  if (token !== undefined) {
    const want = digest(token);
    app.addHook('onRequest', async (request, reply) => {
      if (isPublicPath(request.url)) return;
      const given = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
      if (given === undefined || !timingSafeEqual(digest(given), want)) {
        reply.header('www-authenticate', 'Bearer realm="cqt"');
        return reply.code(401).send({ error: given === undefined ? 'missing bearer token' : 'wrong bearer token', hint: 'send Authorization: Bearer $CQT_SERVE_TOKEN' });
      }
    });
  }

  app.get('/api/status', async (request) => {
    const query = request.query as Query;
    refuseUnknown(query, ['asOf', 'symbol', 'source']);
    return evaluateStatus(db.sql, { asOf: asOf(query), symbols: symbolsParam(query, 'symbol'), sources: sourcesParam(query, 'source') }, config);
  });

  if (gates) {
    app.get('/api/checks', async (request) => {
      const query = request.query as Query;
      refuseUnknown(query, ['window', 'asOf', 'symbol']);
      const window = durationParam(query, 'window') ?? DEFAULT_WINDOW_SEC;
      return reportsJson(await gates({ db, window, asOf: asOf(query), symbols: symbolsParam(query, 'symbol') }));
    });
  }

  app.get('/api/predictions/latest', async (request, reply) => {
    const query = request.query as Query;
    refuseUnknown(query, ['symbol', 'horizon', 'asOf', 'model']);
    const symbol = required(symbolParam(query, 'symbol'), 'symbol', 'e.g. symbol=KRW-BTC (the market cqt predict runs for)');
    const horizonSec = horizonParam(query) ?? DEFAULT_HORIZON_SEC;
    const answer = await latestPrediction(db.sql, { symbol, horizonSec, asOfMs: asOf(query), model: modelParam(query) });
    return reply.code(answer.status).send(answer.body);
  });

  app.get('/api/predictions/candles/latest', async (request, reply) => {
    const query = request.query as Query;
    const answer = await latestCandlePrediction(db.sql, parseCandlePredictionRequest(query), asOf(query));
    return reply.code(answer.status).send(answer.body);
  });

  app.get('/api/series', async (request) => readSeries(db.sql, parseSeriesRequest(request.query as Query, nowMs())));
  app.get('/api/candles', async (request) => readCandles(db, parseCandlesRequest(request.query as Query, nowMs())));
  registerBacktests(app, db);
  registerJobs(app, db);

  registerEvents(app, { sql: db.sql, config, nowMs, log, ...events });
  registerDashboard(app, { db, config, gates, nowMs, token });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}`, hint: 'see docs/serve.md for the endpoints' }),
  );
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof UsageError) return reply.code(400).send({ error: error.message, hint: error.hint ?? null });
    const fromFastify = error as { statusCode?: number; message: string };
    if (!(error instanceof CqtError) && fromFastify.statusCode && fromFastify.statusCode < 500) {
      return reply.code(fromFastify.statusCode).send({ error: fromFastify.message, hint: null });
    }
    log(`serve: ${request.method} ${request.url}: ${(error as Error).stack ?? String(error)}`);
    return reply.code(500).send({ error: (error as Error).message.split('\n')[0], hint: error instanceof CqtError ? (error.hint ?? null) : 'see the server log' });
  });
  return app;
}

// Equal-length digests, so the comparison's time says nothing about the token.
const digest = (text: string) => createHash('sha256').update(text).digest();
