// monitor_state (migration 0007): per key, the state last observed and the state last announced.
// A key whose two differ has a transition to tell; it stays so until a message is delivered, so a
// webhook that is down, or a monitor that restarts, loses nothing and repeats nothing.
import type { Db } from '@cqt/db';
import { isGood, type Observed } from './observe.js';

export interface StoredState {
  key: string;
  state: string;
  changedAtMs: number;
  evaluatedAtMs: number;
  detail: string | null;
  notifiedState: string | null;
  notifiedAtMs: number | null;
}

const ms = (value: unknown): number | null => (value === null || value === undefined ? null : new Date(value as string | Date).getTime());

export async function readStates(db: Db): Promise<Map<string, StoredState>> {
  const rows = await db.sql`select key, state, changed_at, evaluated_at, detail, notified_state, notified_at from monitor_state`;
  return new Map(
    rows.map((r) => [
      r.key as string,
      {
        key: r.key as string,
        state: r.state as string,
        changedAtMs: ms(r.changed_at)!,
        evaluatedAtMs: ms(r.evaluated_at)!,
        detail: (r.detail as string | null) ?? null,
        notifiedState: (r.notified_state as string | null) ?? null,
        notifiedAtMs: ms(r.notified_at),
      },
    ]),
  );
}

/**
 * The rows after this poll: the observed state (its changed_at kept while it holds), and for a
 * key never seen before the baseline — a good state counts as announced (no message), a bad one
 * as not yet announced (one message, "new → stale").
 */
export function nextStates(stored: ReadonlyMap<string, StoredState>, observed: readonly Observed[], asOfMs: number): StoredState[] {
  return observed.map((o) => {
    const prev = stored.get(o.key);
    if (!prev) {
      const silent = isGood(o.state);
      return { key: o.key, state: o.state, changedAtMs: asOfMs, evaluatedAtMs: asOfMs, detail: o.detail, notifiedState: silent ? o.state : null, notifiedAtMs: null };
    }
    const changedAtMs = prev.state === o.state ? prev.changedAtMs : asOfMs;
    return { ...prev, state: o.state, changedAtMs, evaluatedAtMs: asOfMs, detail: o.detail };
  });
}

/** Writes the observed side of every row in one statement; what was announced is left as stored. */
export async function writeStates(db: Db, rows: readonly StoredState[]): Promise<void> {
  if (!rows.length) return;
  const values = rows.map((r) => ({
    key: r.key,
    state: r.state,
    changed_at: new Date(r.changedAtMs),
    evaluated_at: new Date(r.evaluatedAtMs),
    detail: r.detail,
    notified_state: r.notifiedState,
    notified_at: r.notifiedAtMs === null ? null : new Date(r.notifiedAtMs),
  }));
  await db.sql`
    insert into monitor_state ${db.sql(values, 'key', 'state', 'changed_at', 'evaluated_at', 'detail', 'notified_state', 'notified_at')}
    on conflict (key) do update set state = excluded.state, changed_at = excluded.changed_at,
      evaluated_at = excluded.evaluated_at, detail = excluded.detail`;
}

/** Records that `state` was announced for `key` (after the webhook took the message). */
export async function markNotified(db: Db, key: string, state: string, atMs: number): Promise<void> {
  await db.sql`update monitor_state set notified_state = ${state}, notified_at = ${new Date(atMs)} where key = ${key}`;
}
