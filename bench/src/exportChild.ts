// Runs one export in its own process and prints its peak RSS, so the bench can compare memory
// at 24 h and 7 days without the parent's heap in the figure.
import { run } from '@cqt/export';

const [databaseUrl, out, fromMs, toMs, asOfMs] = process.argv.slice(2);
const result = await run({
  out,
  databaseUrl,
  symbol: 'KRW-BTC',
  binanceSymbol: 'BTCUSDT',
  fromMs: Number(fromMs),
  toMs: Number(toMs),
  asOfMs: Number(asOfMs),
  withRaw: true,
  env: {},
  memoryLimit: process.env.CQT_BENCH_EXPORT_MEMORY,
  onProgress: process.env.CQT_BENCH_TRACE ? (t) => process.stderr.write(`${(performance.now() / 1000).toFixed(1)}s rss=${(process.memoryUsage().rss / 1048576).toFixed(0)}MB heap=${(process.memoryUsage().heapUsed / 1048576).toFixed(0)}MB ${t}\n`) : undefined,
});
process.stdout.write(`${JSON.stringify({ rows: result.rows, seconds: result.seconds, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
