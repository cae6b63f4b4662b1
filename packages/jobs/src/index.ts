export { openQueue, JobQueue, JOB_STATES, type JobInfo, type JobState, type QueueOptions, type SubmitOptions, type JobContext, type JobHandler } from './queue.js';
export { executeSqlOn } from './adapter.js';

/** The queue `cqt backtest submit` fills and `cqt worker` runs. */
export const BACKTEST_QUEUE = 'backtest';
