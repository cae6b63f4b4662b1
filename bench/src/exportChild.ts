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
});
process.stdout.write(`${JSON.stringify({ rows: result.rows, seconds: result.seconds, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
