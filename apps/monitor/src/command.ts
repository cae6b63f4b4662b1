// `cqt monitor` declaration (loaded by `cqt` at start-up): its flags, help and examples; the
// implementation (the store, the evaluators) is imported when the command runs.
import type { Command } from 'commander';
import { UsageError, parseDurationSec, stopSignal, type CliContext } from '@cqt/config';
import { asOfFlag, declareCommand, jsonFlag, storeFlags, windowFlag, type CliOptions, type FlagTable } from '@cqt/config/command';
import type { GateRunner, MonitorOptions } from './index.js';

type MonitorFlags = CliOptions<MonitorOptions, 'env' | 'db' | 'gates' | 'signal' | 'log' | 'nowMs' | 'post' | 'host'>;

/** An http(s) URL; the error never repeats the text (a webhook URL is a secret). */
function webhookUrl(text: string): string {
  let ok = false;
  try {
    ok = /^https?:$/.test(new URL(text).protocol);
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError('invalid --webhook (not an http:// or https:// URL; value not shown, it is a secret)', 'give the full hook URL, or set CQT_MONITOR_WEBHOOK_URL instead (keeps it out of ps)');
  return text;
}

export const monitorFlags = {
  intervalSec: {
    flag: '--interval',
    arg: '<dur>',
    describe: 'time between polls: 60, 60s, 5m',
    parse: (text: string, flag: string) => {
      const sec = parseDurationSec(text, flag);
      return sec > 0 && sec <= 86_400 ? sec : undefined;
    },
    expected: 'a duration longer than 0 s and at most 24h, e.g. 30s, 60s, 5m',
    default: 60,
    defaultText: '60 s',
  },
  webhook: {
    flag: '--webhook',
    arg: '<url>',
    describe: 'where each transition is posted (Slack-compatible JSON); a secret, never printed',
    defaultText: 'CQT_MONITOR_WEBHOOK_URL, else CQT_NOTIFY_WEBHOOK_URL, else transitions are only logged',
    parse: webhookUrl,
  },
  window: { ...windowFlag, describe: 'the gates\' window (as `cqt check all --window`): 600, 10m, 24h' },
  symbols: { flag: '--symbol', arg: '<list>', describe: 'symbol(s) to watch, repeatable or comma separated', defaultText: 'every configured market and symbol', repeatable: true },
  sources: { flag: '--source', arg: '<table>', describe: 'only these source tables (as `cqt status --source`), repeatable or comma separated', defaultText: 'all', repeatable: true },
  once: { flag: '--once', describe: 'one poll: evaluate, post the transitions since the last run, exit 0 (cron)' },
  asOf: { ...asOfFlag, describe: 'with --once: evaluate as if now were this time (ISO 8601 with a zone or epoch ms)' },
  json: { ...jsonFlag.json, describe: 'on stop, print one JSON object (polls, transitions sent, pending)' },
  ...storeFlags,
} satisfies FlagTable<MonitorFlags>;

/** `gates` runs `cqt check all`'s gates: they live in apps, which only the binary may load. */
export function register(program: Command, cli: CliContext, gates: () => Promise<GateRunner>): void {
  declareCommand<MonitorFlags>(program, cli, {
    name: 'monitor',
    description: 'watch status and the gates on a schedule; post one webhook message per state transition, never one per poll (SIGINT/SIGTERM stop cleanly)',
    flags: monitorFlags,
    help: `
Each poll runs the evaluators of \`cqt status\` and \`cqt check all\` (the same as /api/status and
/api/checks) and compares each source's class (fresh, stale, hard_stale, corrupt), its degraded
flag and each gate's overall (pass, warn, fail) with what it last announced (table
monitor_state). A change is one message; a steady state is none. A key first seen in a good
state is recorded silently; first seen bad, it is announced once. A webhook that fails keeps the
transition for the next poll; a restart announces what changed while it was down, once.

Examples:
  $ CQT_MONITOR_WEBHOOK_URL=https://hooks.slack.com/services/… cqt monitor
  $ cqt monitor --interval 5m --window 10m
  $ cqt monitor --once                     # from cron: one poll, then exit
  $ cqt monitor --once --as-of 2026-11-23T10:00:00Z --json

Exit codes: 0 stopped by SIGINT/SIGTERM or --once done (failing data is announced, not an exit
code: use \`cqt check all\` as a gate), 2 usage error, or with --once a poll that could not reach
the store. A running monitor logs a failed poll in one line and keeps polling.`,
    async action(flags, context) {
      const { run, output } = await import('./index.js');
      await context.emit(output(await run({ ...flags, gates: await gates(), signal: stopSignal() })), flags);
    },
  });
}
