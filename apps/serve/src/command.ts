// `cqt serve` declaration (loaded by `cqt` at start-up): its flags, help and examples; the
// implementation (Fastify, the store) is imported when the command runs.
import type { Command } from 'commander';
import { logFormatFlag, stopSignal, type CliContext } from '@cqt/config';
import { asOfFlag, declareCommand, jsonFlag, storeFlags, type CliOptions, type FlagTable } from '@cqt/config/command';
import type { GateRunner, ServeOptions } from './index.js';

type ServeFlags = CliOptions<ServeOptions, 'env' | 'db' | 'gates' | 'signal' | 'log' | 'nowMs' | 'events'>;

export const serveFlags = {
  host: { flag: '--host', arg: '<address>', describe: 'address to listen on; anything but loopback requires CQT_SERVE_TOKEN', default: '127.0.0.1' },
  port: {
    flag: '--port',
    arg: '<n>',
    describe: 'TCP port (0 = any free port, printed at start)',
    default: 8787,
    expected: 'a whole number from 0 to 65535',
    parse: (text: string) => (/^\d+$/.test(text) && Number(text) <= 65_535 ? Number(text) : undefined),
  },
  snapshot: { flag: '--snapshot', arg: '<file.html>', describe: 'write the dashboard as one self-contained HTML file (data and scripts inlined, opens offline) and exit instead of serving' },
  asOf: { ...asOfFlag, describe: 'with --snapshot: the report as if now were this time (ISO 8601 with a zone or epoch ms)' },
  json: { ...jsonFlag.json, describe: 'on stop, print one JSON object (the URL served and when it stopped; with --snapshot, the file written)' },
  ...storeFlags,
  logFormat: logFormatFlag,
} satisfies FlagTable<ServeFlags>;

/** `gates` runs `cqt check all`'s gates: they live in apps, which only the binary may load. */
export function register(program: Command, cli: CliContext, gates: () => Promise<GateRunner>): void {
  declareCommand<ServeFlags>(program, cli, {
    name: 'serve',
    description: 'dashboard and JSON API over the store: status, checks, latest prediction (soft-stale), chart series, live events (SIGINT/SIGTERM stop cleanly)',
    flags: serveFlags,
    help: `
Endpoints (docs/serve.md):
  GET /api/status?asOf=&symbol=&source=             what \`cqt status --json\` says
  GET /api/checks?window=600&asOf=&symbol=          what \`cqt check all --json\` says
  GET /api/predictions/latest?symbol=&horizon=&asOf= fresh 200, stale 200 + warning,
                                                    hard_stale / corrupt 503 + the last good one
  GET /api/series?source=&column=&symbol=&from=&to=&points=   min/max per bucket
  GET /api/candles?venue=&symbol=&timeframe=&from=&to=&limit=   stored candles, freshness, coverage
  GET /api/backtests?limit=&before=&strategy=       stored runs (GET /api/backtests/ID?points=: trades, equity)
  GET /api/jobs?state=                              backtest jobs (queued, active, completed, failed, dead, cancelled)
  GET /api/events                                   Server-Sent Events: status, new rows (every 2 s)
  GET /                                             the dashboard (GET /api/dashboard: its data)
  GET /metrics                                      Prometheus metrics (docs/operations.md)
Bad parameters answer 400 with {error, hint}. Binding beyond loopback (e.g. --host 0.0.0.0)
requires CQT_SERVE_TOKEN; every request then needs "Authorization: Bearer <token>" (else 401).

Examples:
  $ cqt serve                                        # dashboard at http://127.0.0.1:8787
  $ cqt serve --snapshot report.html                 # one self-contained file, then exit
  $ curl -s localhost:8787/api/status | jq .overall
  $ CQT_SERVE_TOKEN=$(openssl rand -hex 24) cqt serve --host 0.0.0.0 --port 8080

Exit codes: 0 stopped by SIGINT/SIGTERM, 2 usage error (bad flag, port in use, no token for a
non-loopback host) or runtime failure.`,
    async action(flags, context) {
      const { run, output } = await import('./index.js');
      await context.emit(output(await run({ ...flags, gates: await gates(), signal: stopSignal() })), flags);
    },
  });
}
