// /api/backtests and /api/backtests/:id: the stored runs, read with the functions `cqt backtest
// list` and `cqt backtest show` use (packages/backtest), so the API and the commands show the same
// run. The list pages newest first by id (`before` = the last id of the previous page); a run comes
// with its trades and its equity curve, downsampled in the database when `points` is given.
import { countRuns, listRuns, readEquity, readRun, type EquityCurve, type StoredRun, type StoredTrade } from '@cqt/backtest';
import { UsageError } from '@cqt/config';
import type { Db } from '@cqt/db';
import type { FastifyInstance } from 'fastify';
import { integerParam, one, refuseUnknown, type Query } from './params.js';

export const DEFAULT_RUNS = 20;
export const MAX_RUNS = 500;
export const MAX_EQUITY_POINTS = 100_000;
/** Larger than any bigserial a store will reach; keeps the value an exact JS integer. */
const MAX_ID = Number.MAX_SAFE_INTEGER;

export interface RunsPage {
  total: number;
  limit: number;
  /** Give as `before` for the next (older) page; null on the last page. */
  nextBefore: number | null;
  runs: StoredRun[];
}

export interface RunDetail {
  run: StoredRun;
  trades: StoredTrade[];
  equity: EquityCurve;
}

export async function listBacktests(db: Db, query: Query): Promise<RunsPage> {
  refuseUnknown(query, ['limit', 'before', 'strategy']);
  const limit = integerParam(query, 'limit', { min: 1, max: MAX_RUNS }) ?? DEFAULT_RUNS;
  const beforeId = integerParam(query, 'before', { min: 1, max: MAX_ID });
  const strategy = one(query, 'strategy');
  const runs = await listRuns(db.sql, { limit: limit + 1, strategy, beforeId });
  const more = runs.length > limit;
  const page = more ? runs.slice(0, limit) : runs;
  return { total: await countRuns(db.sql, { strategy }), limit, nextBefore: more ? page[page.length - 1].id : null, runs: page };
}

/** null: no such run (404). */
export async function showBacktest(db: Db, idText: string, query: Query): Promise<RunDetail | null> {
  refuseUnknown(query, ['points']);
  const id = /^\d{1,15}$/.test(idText) ? Number(idText) : NaN;
  if (!(id >= 1)) throw new UsageError(`invalid run id "${idText}"`, 'a run id is a whole number from GET /api/backtests');
  const points = integerParam(query, 'points', { min: 2, max: MAX_EQUITY_POINTS });
  const found = await readRun(db.sql, id);
  if (!found) return null;
  return { run: found.run, trades: found.trades, equity: await readEquity(db.sql, id, { rows: found.equityRows, points }) };
}

export function registerBacktests(app: FastifyInstance, db: Db): void {
  app.get('/api/backtests', async (request) => listBacktests(db, request.query as Query));
  app.get<{ Params: { id: string } }>('/api/backtests/:id', async (request, reply) => {
    const detail = await showBacktest(db, request.params.id, request.query as Query);
    if (detail) return detail;
    return reply.code(404).send({ error: `no backtest run ${request.params.id}`, hint: 'GET /api/backtests lists the stored runs' });
  });
}
