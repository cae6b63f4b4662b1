export { openQueue, JobQueue, JOB_STATES, type JobInfo, type JobState, type QueueOptions, type ScheduleInfo, type SubmitOptions, type JobContext, type JobHandler } from './queue.js';
export { executeSqlOn } from './adapter.js';

/** The queue `cqt backtest submit` fills and `cqt worker` runs. */
export const BACKTEST_QUEUE = 'backtest';

/** Jobs that do nothing but record their result once: a health check of the queue and its workers,
 * and what `npm run bench jobs` measures (decision 106). */
export const NOOP_QUEUE = 'noop';

/** Training jobs: `cqt train submit` and `cqt train schedule` fill it, `cqt worker` runs them (decision 150). */
export const TRAIN_QUEUE = 'train';
