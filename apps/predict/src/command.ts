// `cqt predict` declaration (loaded by `cqt` at start-up): options and help; the implementation is
// imported when the command runs.
import type { Command } from 'commander';
import { parseDurationSec, stopSignal, type CliContext } from '@cqt/config';

const duration = (flag: string) => (value: string) => parseDurationSec(value, flag);
// Parsed leniently here; run() rejects NaN and negatives with a message naming the flag.
const number = (value: string) => (value.trim() === '' ? Number.NaN : Number(value));

export function register(program: Command, cli: CliContext): void {
  program
    .command('predict')
    .description('point-in-time feature snapshots and barrier probabilities on exact interval boundaries (SIGINT/SIGTERM stop cleanly)')
    .option('--once', 'compute one snapshot (the boundary at or before --as-of, default now) and print it; nothing is written')
    .option('--as-of <time>', 'with --once: ISO 8601 with a zone or epoch ms')
    .option('--backfill', 'compute and write every boundary in --from … --to from stored raw data')
    .option('--from <time>', 'with --backfill: first time (ISO 8601 with a zone or epoch ms)')
    .option('--to <time>', 'with --backfill: last time (capped at now − delay)')
    .option('--duration <dur>', 'live loop: stop after this long (90, 90s, 10m, 24h)', duration('--duration'))
    .option('--interval <dur>', 'seconds between snapshots, on multiples since the epoch (default 5)', duration('--interval'))
    .option('--horizon <dur>', 'barrier horizon H (default 120 s)', duration('--horizon'))
    .option('--delay <dur>', 'live loop: compute boundary t0 at t0 + delay, once rows received by t0 are written (default 2.5 s)', duration('--delay'))
    .option('--symbol <market>', 'Upbit market (default: first of CQT_UPBIT_MARKETS)')
    .option('--binance-symbol <symbol>', 'Binance USD-M symbol paired with it (default: first of CQT_BINANCE_SYMBOLS)')
    .option('--k-vol <x>', 'barrier width in horizon volatilities, r_t ≥ k·sigma·√H (default 1)', number)
    .option('--r-min-bps <bp>', 'floor on r_t in basis points (default 5)', number)
    .option('--cost-multiplier <x>', 'r_t must cover this many round-trip costs (fees from CQT_FEE_PER_SIDE_BPS + spread; default 1)', number)
    .option('--model <file>', 'model state JSON (from BarrierModel.save()); default the Brownian first-passage baseline')
    .option('--json', 'print one JSON object (the snapshot with --once, else the run summary)')
    .option('--database-url <url>', 'PostgreSQL URL (overrides DATABASE_URL); unset = embedded store')
    .option('--data-dir <dir>', 'embedded store folder (overrides CQT_DATA_DIR)')
    .addHelpText(
      'after',
      `
A snapshot at t0 reads only rows with ts <= t0 and recv_ts <= t0, so recomputing it later gives the
same values (\`cqt check leak\` does exactly that). Missing or stale inputs are null, with the reason
in the degraded column.

Examples:
  $ cqt predict                                          # every 5 s until Ctrl-C (run beside cqt collect)
  $ cqt predict --duration 10m --horizon 60
  $ cqt predict --once --json                            # the latest settled snapshot
  $ cqt predict --once --as-of 2026-11-23T10:00:00Z
  $ cqt predict --backfill --from 2026-11-23T00:00:00Z --to 2026-11-23T06:00:00Z`,
    )
    .action(async (opts) => {
      const { run, output } = await import('./index.js');
      const signal = stopSignal();
      const result = await run({
        once: opts.once,
        asOf: opts.asOf,
        backfill: opts.backfill,
        from: opts.from,
        to: opts.to,
        durationSec: opts.duration,
        intervalSec: opts.interval,
        horizonSec: opts.horizon,
        delaySec: opts.delay,
        symbol: opts.symbol,
        binanceSymbol: opts.binanceSymbol,
        kVol: opts.kVol,
        rMinBps: opts.rMinBps,
        costMultiplier: opts.costMultiplier,
        modelPath: opts.model,
        databaseUrl: opts.databaseUrl,
        dataDir: opts.dataDir,
        signal,
      });
      await cli.emit(output(result), opts);
    });
}
