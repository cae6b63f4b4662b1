// The fake exchange for the staged load, in a process of its own (its CPU is not the collector's):
// argv[2] = number of coins; prints the URLs as one JSON line, serves until SIGTERM.
import { startFakeExchange } from '@cqt/testkit';
import { coinsOf } from './scaleCoins.js';

const coins = coinsOf(Number(process.argv[2] ?? 1));
const fx = await startFakeExchange({ seed: 9, markets: { upbit: coins.map((c) => `KRW-${c}`), binance: coins.map((c) => `${c}USDT`) } });
process.stdout.write(`${JSON.stringify(fx.urls)}\n`);
process.once('SIGTERM', () => void fx.close().then(() => process.exit(0)));
