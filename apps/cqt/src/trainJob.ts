// The training job attempt `cqt worker` runs (decision 150): apps/train's, handed apps/model's
// registerVersion (the artifact becomes a version, never promoted) and apps/export's run for
// --last. It lives in the binary, the one place apps may meet.
import { run as exportDataset } from '@cqt/export';
import { registerVersion } from '@cqt/model';
import { runTrainJob as attempt } from '@cqt/train/job';

type Args = Parameters<typeof attempt>;

export const runTrainJob = (db: Args[0], queue: Args[1], job: Args[2], store: Args[3]) => attempt(db, queue, job, store, { registerVersion, exportDataset });
