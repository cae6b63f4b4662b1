// The backtest job attempt `cqt worker` runs: apps/backtest's, handed apps/results' publisher when
// CQT_RESULTS_URL is set (docs/jobs.md). It lives in the binary, the one place two apps may meet.
import { runBacktestJob as attempt } from '@cqt/backtest-app/jobs';
import { runPublisher } from '@cqt/results-app';

type Args = Parameters<typeof attempt>;

export const runBacktestJob = (db: Args[0], queue: Args[1], job: Args[2]) => attempt(db, queue, job, runPublisher());
