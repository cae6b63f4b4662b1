// `cqt status`: the freshness of every source at as-of in one table, like `dbt source freshness`:
// newest ts, age, the policy's stale / hard-stale bounds and classify()'s class, which includes
// corruption in the recent rows (NaN, non-positive prices, a ts in the future beyond the
// tolerance, a ts going back). Exit 1 when any source is hard_stale or corrupt.
import { evaluateStatus, withHandle, type SourceClass, type StatusQuery, type StatusResult } from '@cqt/checks';
import { formatAge, formatTable, loadConfig, paintText, type CommandOutput, type Tone } from '@cqt/config';
import { openDb, type Db } from '@cqt/db';

export { sourceTables, summarise, type SourceClass, type SourceStatus, type StatusResult } from '@cqt/checks';

export interface StatusOptions extends StatusQuery {
  databaseUrl?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  db?: Db;
}

export async function run(options: StatusOptions = {}): Promise<StatusResult> {
  const env = options.env ?? process.env;
  const { values: config } = loadConfig({ flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir }, env });
  return withHandle(options.db, () => openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }), (db) => evaluateStatus(db.sql, options, config));
}

const classTone: Record<SourceClass, Tone> = { fresh: 'good', stale: 'warn', hard_stale: 'bad', corrupt: 'bad', absent: 'muted' };

export function output(result: StatusResult): CommandOutput {
  return {
    exitCode: result.overall === 'fail' ? 1 : 0,
    json: result,
    human({ colour }) {
      const rows = result.sources.map((s) => [
        s.source,
        s.key,
        s.newestTs ?? '-',
        formatAge(s.lagSec),
        `${s.policy.staleAfterSec} s / ${s.policy.hardStaleAfterSec} s`,
        { text: s.class + (s.degraded ? ' (degraded)' : ''), tone: classTone[s.class] },
        s.reasons.join('; '),
      ]);
      const table = formatTable(['source', 'key', 'newest ts (UTC)', 'age', 'stale / hard', 'class', 'note'], rows, colour);
      const { counts } = result;
      const tally = (['fresh', 'stale', 'hard_stale', 'corrupt', 'absent'] as const).filter((c) => counts[c]).map((c) => `${counts[c]} ${c}`).join(', ');
      const verdict = paintText(result.overall === 'fail' ? 'FAIL' : 'OK', result.overall === 'fail' ? 'bad' : 'good', colour);
      return `status as of ${result.asOf}\n${table}\nOVERALL ${verdict} (${tally || 'no sources'})`;
    },
  };
}
