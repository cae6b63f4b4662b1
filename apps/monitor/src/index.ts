// `cqt monitor`: evaluates status (the evaluator of `cqt status` and /api/status) and the gates (the
// runner of `cqt check all` and /api/checks, handed in by the binary) on a schedule, and posts one
// message per state transition — fresh → stale → hard_stale and back, pass → fail and back,
// degraded on/off — never one per poll. What was observed and what was announced live in the store
// (monitor_state), so a restart repeats nothing and a transition that happened while the monitor
// or the webhook was down is told once, later. Runs until SIGINT/SIGTERM, or one poll with --once.
import { hostname } from 'node:os';
import { evaluateStatus, type CheckReport, type StatusConfig } from '@cqt/checks';
import { RuntimeFailure, UsageError, describeSecret, loadConfig, sleepMs, type CommandOutput } from '@cqt/config';
import { DEFAULT_WINDOW_SEC } from '@cqt/config/command';
import { openDb, type Db } from '@cqt/db';
import { maskWebhookUrl, postWebhook, type WebhookOptions } from '@cqt/notify';
import { monitorMessage, transitionText, type Transition } from './message.js';
import { isGood, observe } from './observe.js';
import { markNotified, nextStates, readStates, writeStates } from './state.js';

export { observe, isGood, type Observed, type ObservedKind } from './observe.js';
export { monitorMessage, transitionText, type MonitorMessage, type Transition } from './message.js';
export { readStates, type StoredState } from './state.js';

/** `cqt check all`'s gates on a store handle at one as-of: the binary hands in the one it runs. */
export type GateRunner = (options: { db: Db; window: number; asOf: number; symbols?: string[]; env?: NodeJS.ProcessEnv }) => Promise<CheckReport[]>;

export const DEFAULT_INTERVAL_SEC = 60;

/** Delivery inside one poll: a few quick tries; a message still not taken waits for the next poll. */
const POST_DEFAULTS: WebhookOptions = { attempts: 3, backoffMs: 500, maxBackoffMs: 5_000, timeoutMs: 5_000 };

export interface MonitorOptions {
  /** Seconds between polls (default 60). */
  intervalSec?: number;
  /** Webhook URL (a secret); default CQT_MONITOR_WEBHOOK_URL, then CQT_NOTIFY_WEBHOOK_URL. */
  webhook?: string;
  /** The gates' window in seconds (default 600, as `cqt check all`). */
  window?: number;
  symbols?: string[];
  /** Only these source tables (as `cqt status --source`); default all. */
  sources?: string[];
  /** One poll, then exit (cron). */
  once?: boolean;
  /** With once: evaluate as if now were this time (epoch ms). */
  asOf?: number;
  databaseUrl?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  /** A store handle the caller owns (tests); otherwise one is opened and closed here. */
  db?: Db;
  /** Absent: only status is watched (an in-process caller without the check apps). */
  gates?: GateRunner;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** "Now" of each poll (tests drive a clock). */
  nowMs?: () => number;
  /** Delivery tuning (tests shorten the back-off). */
  post?: WebhookOptions;
  /** The host named in messages (default this machine's name). */
  host?: string;
}

export interface PollResult {
  asOf: string;
  /** Keys observed in this poll. */
  keys: number;
  /** Transitions announced in this poll (webhook took them, or logged when there is none). */
  sent: Transition[];
  /** Transitions still to announce (the webhook failed): tried again next poll. */
  pending: number;
}

export interface Monitor {
  /** Evaluates once at `asOfMs` (default now), records it and announces what changed. */
  poll(asOfMs?: number): Promise<PollResult>;
}

export interface MonitorParts {
  db: Db;
  config: StatusConfig;
  gates?: GateRunner;
  /** Where to post; null: transitions are only logged. `source` names where the URL came from. */
  webhook: { url: string; source: string } | null;
  window?: number;
  symbols?: string[];
  sources?: string[];
  /** Configuration and CQT_CHECK_* thresholds for the gates (default process.env). */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  nowMs?: () => number;
  post?: WebhookOptions;
  host?: string;
}

export function createMonitor(parts: MonitorParts): Monitor {
  const { db, config, gates, webhook, window = DEFAULT_WINDOW_SEC, symbols, sources, env, log = () => {}, nowMs = Date.now, host = hostname() } = parts;
  const post = { ...POST_DEFAULTS, ...parts.post, source: webhook?.source };
  return {
    async poll(at) {
      const asOfMs = at ?? nowMs();
      const asOf = new Date(asOfMs).toISOString();
      const status = await evaluateStatus(db.sql, { asOf: asOfMs, symbols, sources }, config);
      const reports = gates ? await gates({ db, window, asOf: asOfMs, symbols, env }) : [];
      const observed = observe(status, reports);
      const rows = nextStates(await readStates(db), observed, asOfMs);
      await writeStates(db, rows);

      const byKey = new Map(observed.map((o) => [o.key, o]));
      const due = rows.filter((r) => r.notifiedState !== r.state);
      const sent: Transition[] = [];
      for (const [i, row] of due.entries()) {
        // First seen bad, then good before anyone was told: nothing happened worth a message.
        if (row.notifiedState === null && isGood(row.state)) {
          await markNotified(db, row.key, row.state, asOfMs);
          continue;
        }
        const o = byKey.get(row.key)!;
        const t: Transition = { key: row.key, kind: o.kind, subject: o.subject, from: row.notifiedState ?? 'new', to: row.state, since: new Date(row.changedAtMs).toISOString(), asOf, detail: o.detail };
        if (webhook) {
          try {
            await postWebhook(webhook.url, monitorMessage(t, isGood(t.to), host, asOfMs), post);
          } catch (error) {
            // Not marked: the next poll posts it again (with the state then current).
            log(`monitor: ${(error as Error).message}; ${due.length - i} transition(s) held for the next poll`);
            return { asOf, keys: observed.length, sent, pending: due.length - i };
          }
        }
        await markNotified(db, row.key, row.state, asOfMs);
        log(transitionText(t));
        sent.push(t);
      }
      return { asOf, keys: observed.length, sent, pending: 0 };
    },
  };
}

export interface MonitorResult {
  once: boolean;
  intervalSec: number;
  /** Where the webhook URL came from (--webhook or the variable) and `set (len N)`; never the URL. */
  webhook: { from: string; value: string } | null;
  polls: number;
  failedPolls: number;
  /** Messages announced in this run. */
  sent: number;
  /** After the last poll: transitions the webhook has not taken yet. */
  pending: number;
  /** The last 100 transitions announced in this run. */
  transitions: Transition[];
  stoppedAt: string;
}

/** The URL to post to and where it came from: --webhook, CQT_MONITOR_WEBHOOK_URL, CQT_NOTIFY_WEBHOOK_URL. */
export function resolveWebhook(flag: string | undefined, config: { monitorWebhookUrl?: string; notifyWebhookUrl?: string }): { url: string; source: string } | null {
  if (flag) return { url: flag, source: '--webhook' };
  if (config.monitorWebhookUrl) return { url: config.monitorWebhookUrl, source: 'CQT_MONITOR_WEBHOOK_URL' };
  if (config.notifyWebhookUrl) return { url: config.notifyWebhookUrl, source: 'CQT_NOTIFY_WEBHOOK_URL' };
  return null;
}

const firstLine = (error: unknown) => String((error as Error)?.message ?? error).split('\n')[0];

export async function run(options: MonitorOptions = {}): Promise<MonitorResult> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const intervalSec = options.intervalSec ?? DEFAULT_INTERVAL_SEC;
  if (!(intervalSec > 0)) throw new UsageError(`invalid --interval ${intervalSec}`, 'a duration longer than 0 s, e.g. 60s, 5m');
  if (options.asOf !== undefined && !options.once) throw new UsageError('--as-of applies to --once only', 'a running monitor evaluates at each poll\'s now');
  const { values: config } = loadConfig({ flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir }, env });
  const webhook = resolveWebhook(options.webhook, config);
  const mask = (text: string) => (webhook ? maskWebhookUrl(text, webhook.url) : text);
  const say = (line: string) => log(mask(line));

  const db = options.db ?? (await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  const monitor = createMonitor({ db, config, gates: options.gates, webhook, window: options.window, symbols: options.symbols, sources: options.sources, env, log: say, nowMs: options.nowMs, post: options.post, host: options.host });
  const result: MonitorResult = {
    once: options.once ?? false,
    intervalSec,
    webhook: webhook && { from: webhook.source, value: describeSecret(webhook.url) },
    polls: 0,
    failedPolls: 0,
    sent: 0,
    pending: 0,
    transitions: [],
    stoppedAt: '',
  };
  const to = webhook ? `posting to the webhook from ${webhook.source} (${describeSecret(webhook.url)})` : 'no webhook set: transitions are only logged';
  if (!options.once) say(`monitor: polling every ${intervalSec} s on ${db.location}, ${to}; SIGINT/SIGTERM stops`);
  try {
    for (;;) {
      const startedMs = performance.now();
      try {
        const poll = await monitor.poll(options.asOf);
        result.polls++;
        result.sent += poll.sent.length;
        result.pending = poll.pending;
        result.transitions = [...result.transitions, ...poll.sent].slice(-100);
      } catch (error) {
        // A bad flag (unknown symbol) is not going to get better by waiting.
        if (error instanceof UsageError) throw error;
        result.failedPolls++;
        if (options.once) throw new RuntimeFailure(mask(`monitor: the poll failed: ${firstLine(error)}`), 'is the store reachable? (cqt db status)', error);
        say(`monitor: poll failed: ${firstLine(error)}; next in ${intervalSec} s`);
      }
      if (options.once || options.signal?.aborted) break;
      const waitMs = Math.max(0, startedMs + intervalSec * 1000 - performance.now());
      if (!(await sleepMs(waitMs, options.signal))) break;
    }
  } finally {
    if (!options.db) await db.close();
  }
  result.stoppedAt = new Date().toISOString();
  if (!options.once) say('monitor: stopped');
  return result;
}

export function output(result: MonitorResult): CommandOutput {
  return {
    exitCode: 0,
    json: result,
    human() {
      const lines = result.once ? result.transitions.map((t) => transitionText(t)) : [];
      const held = result.pending ? `, ${result.pending} held for the next poll (webhook failed)` : '';
      const failed = result.failedPolls ? ` (${result.failedPolls} failed)` : '';
      const where = result.webhook ? `to the webhook from ${result.webhook.from}` : 'to the log (no webhook set)';
      lines.push(`monitor: ${result.polls + result.failedPolls} poll(s)${failed}, ${result.sent} transition(s) sent ${where}${held}`);
      return lines.join('\n');
    },
  };
}
