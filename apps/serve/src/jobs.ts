// /api/jobs: backtest jobs with cqt's state names (decision 86), as `cqt backtest list --state`
// lists them: JobQueue.list of packages/jobs. The queue is opened on the first request and kept
// for the server's life (opening starts pg-boss: too slow per request), then stopped on close.
import { UsageError } from '@cqt/config';
import type { Db } from '@cqt/db';
import { BACKTEST_QUEUE, JOB_STATES, openQueue, type JobInfo, type JobQueue, type JobState } from '@cqt/jobs';
import type { FastifyInstance } from 'fastify';
import { integerParam, list, refuseUnknown, type Query } from './params.js';

export const DEFAULT_JOBS = 100;
export const MAX_JOBS = 1000;

export interface JobsAnswer {
  states: JobState[];
  limit: number;
  jobs: JobInfo[];
}

export function parseStates(query: Query): JobState[] {
  const given = (list(query, 'state') ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  const unknown = given.filter((s) => !(JOB_STATES as readonly string[]).includes(s));
  if (unknown.length) throw new UsageError(`invalid state ${unknown.map((s) => `"${s}"`).join(', ')}`, `choose from ${JOB_STATES.join(', ')} (repeat or comma-separate for several)`);
  return given.length ? [...new Set(given as JobState[])] : [...JOB_STATES];
}

export function registerJobs(app: FastifyInstance, db: Db): void {
  let queue: Promise<JobQueue> | null = null;
  app.get('/api/jobs', async (request): Promise<JobsAnswer> => {
    const query = request.query as Query;
    refuseUnknown(query, ['state', 'limit']);
    const states = parseStates(query);
    const limit = integerParam(query, 'limit', { min: 1, max: MAX_JOBS }) ?? DEFAULT_JOBS;
    queue ??= openQueue(db.sql, { queue: BACKTEST_QUEUE }).catch((error: unknown) => {
      queue = null;
      throw error;
    });
    return { states, limit, jobs: await (await queue).list(states, limit) };
  });
  app.addHook('onClose', async () => {
    if (queue) await (await queue.catch(() => null))?.stop(1000);
  });
}
