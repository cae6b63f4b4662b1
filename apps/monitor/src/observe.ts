// What one poll saw, as keyed states: each source's freshness class and degraded flag from the
// status evaluator (`cqt status`, /api/status), each gate's overall from `check all`'s reports.
// Pure: the same results always give the same observations.
import { formatThreshold, formatValue, type CheckReport, type StatusResult } from '@cqt/checks';

export type ObservedKind = 'freshness' | 'degraded' | 'gate';

export interface Observed {
  /** `freshness:<source>:<key>`, `degraded:<source>:<key>` or `gate:<check>`: the monitor_state key. */
  key: string;
  kind: ObservedKind;
  /** What a person reads: `market_1s KRW-BTC`, `gate altdata`. */
  subject: string;
  /** A freshness class, `on`/`off`, or a gate's overall (pass, warn, fail, skip). */
  state: string;
  /** Why, in one line: the source's reasons, or the gate's failing / warning items with their figures. */
  detail: string;
}

/** States that need nobody: first seen in one of these, a key is recorded without a message. */
const GOOD = new Set(['fresh', 'absent', 'off', 'pass', 'skip']);
export const isGood = (state: string): boolean => GOOD.has(state);

/** Items shown per gate message; the rest are counted. */
const ITEMS_SHOWN = 5;

export function observe(status: StatusResult, reports: readonly CheckReport[]): Observed[] {
  const out: Observed[] = [];
  for (const s of status.sources) {
    const subject = `${s.source} ${s.key}`;
    const id = `${s.source}:${s.key}`;
    const lag = s.lagSec === null ? 'no rows' : `lag ${s.lagSec} s`;
    out.push({ key: `freshness:${id}`, kind: 'freshness', subject, state: s.class, detail: s.reasons.length ? s.reasons.join('; ') : lag });
    out.push({ key: `degraded:${id}`, kind: 'degraded', subject, state: s.degraded ? 'on' : 'off', detail: s.degraded ? s.reasons.join('; ') : 'last cycle ok' });
  }
  for (const r of reports) {
    out.push({ key: `gate:${r.check}`, kind: 'gate', subject: `gate ${r.check}`, state: r.overall, detail: gateDetail(r) });
  }
  return out;
}

/** The items that made the overall (failing ones for fail, warning ones for warn) with figures. */
function gateDetail(report: CheckReport): string {
  const { pass, warn, fail, skip } = report.counts;
  const tally = `${pass} pass, ${warn} warn, ${fail} fail, ${skip} skip`;
  if (report.overall !== 'fail' && report.overall !== 'warn') return tally;
  const items = report.items.filter((i) => i.status === report.overall);
  const shown = items.slice(0, ITEMS_SHOWN).map((i) => `${i.name} ${formatValue(i.observed, i.unit)} (want ${formatThreshold(i.threshold, i.unit)})`);
  const more = items.length > ITEMS_SHOWN ? `; and ${items.length - ITEMS_SHOWN} more` : '';
  return `${shown.join('; ')}${more} [${tally}]`;
}
