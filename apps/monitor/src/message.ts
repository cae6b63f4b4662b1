// The message posted for one transition: Slack-compatible (`text`, one line a person reads) plus
// the structured fields a receiver can route on. Pure: host and tsMs are given.
import type { ObservedKind } from './observe.js';

export interface Transition {
  key: string;
  kind: ObservedKind;
  subject: string;
  /** The state last announced; 'new' for a key first seen in a bad state. */
  from: string;
  to: string;
  /** When `to` was first observed (ISO 8601 UTC). */
  since: string;
  /** The poll that announced it (ISO 8601 UTC). */
  asOf: string;
  detail: string;
}

export interface MonitorMessage extends Transition {
  event: 'monitor.transition';
  text: string;
  /** Whether `to` needs nobody (fresh, absent, pass, skip, degraded off). */
  recovered: boolean;
  host: string;
  tsMs: number;
}

const ARROW = '→';

export function transitionText(t: Transition): string {
  const what = t.kind === 'degraded' ? `${t.subject} degraded ${t.to}` : `${t.subject} ${t.from} ${ARROW} ${t.to}`;
  const late = t.since === t.asOf ? '' : ` (since ${t.since})`;
  return `cqt monitor: ${what}${late}: ${t.detail}`;
}

export function monitorMessage(t: Transition, recovered: boolean, host: string, tsMs: number): MonitorMessage {
  return { event: 'monitor.transition', text: transitionText(t), ...t, recovered, host, tsMs };
}
