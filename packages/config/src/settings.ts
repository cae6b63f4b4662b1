// Every setting cqt reads, declared once: its environment variable, CLI flag, validation,
// default and whether it is secret. The loader, `cqt config`, .env.example and docs follow this table.
import { z } from 'zod';

const wsUrl = z.url({ protocol: /^wss?$/ });
const httpUrl = z.url({ protocol: /^https?$/ });
// At most a day: a poll period is a timer, and Node fires one longer than ~24.8 days after 1 ms.
const seconds = z.coerce.number().int().min(1).max(86_400);
const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.string().min(1)).min(1));

export interface SettingSpec {
  env: string;
  flag?: string;
  describe: string;
  /** The accepted form, shown when a value is rejected. */
  expected: string;
  schema: z.ZodType;
  default?: string;
  /** 'key': never printed, shown as set/placeholder/missing. 'url': password masked. */
  secret?: 'key' | 'url';
}

export const settings = {
  databaseUrl: {
    env: 'DATABASE_URL',
    flag: '--database-url',
    describe: 'PostgreSQL server URL; unset = embedded PGlite store in CQT_DATA_DIR',
    expected: 'postgres://user:pass@host:5432/db',
    schema: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    secret: 'url',
  },
  dataDir: {
    env: 'CQT_DATA_DIR',
    flag: '--data-dir',
    describe: 'folder of the embedded store (used when DATABASE_URL is unset) and of the collector spill files',
    expected: 'a folder path',
    schema: z.string().min(1),
    default: './data/cqt-db',
  },
  upbitWsUrl: {
    env: 'UPBIT_WS_URL',
    describe: 'Upbit WebSocket URL (full socket URL)',
    expected: 'ws:// or wss:// URL',
    schema: wsUrl,
    default: 'wss://api.upbit.com/websocket/v1',
  },
  binanceWsUrl: {
    env: 'BINANCE_WS_URL',
    describe: 'Binance USD-M WebSocket base; /market/stream?streams=… is appended',
    expected: 'ws:// or wss:// URL',
    schema: wsUrl,
    default: 'wss://fstream.binance.com',
  },
  binanceRestUrl: {
    env: 'BINANCE_REST_URL',
    describe: 'Binance USD-M REST base',
    expected: 'http:// or https:// URL',
    schema: httpUrl,
    default: 'https://fapi.binance.com',
  },
  upbitRestUrl: {
    env: 'UPBIT_REST_URL',
    describe: 'Upbit REST base',
    expected: 'http:// or https:// URL',
    schema: httpUrl,
    default: 'https://api.upbit.com',
  },
  coinglassUrl: {
    env: 'COINGLASS_URL',
    describe: 'Coinglass v4 REST base',
    expected: 'http:// or https:// URL',
    schema: httpUrl,
    default: 'https://open-api-v4.coinglass.com',
  },
  coinglassApiKey: {
    env: 'COINGLASS_API_KEY',
    describe: 'Coinglass API key (sent as CG-API-KEY)',
    expected: 'the key from your Coinglass account',
    schema: z.string().optional(),
    secret: 'key',
  },
  coinglassEnabled: {
    env: 'COINGLASS_ENABLED',
    describe: 'poll Coinglass (needs a real COINGLASS_API_KEY)',
    expected: 'true or false',
    schema: z.stringbool(),
    default: 'false',
  },
  coinglassPollSec: {
    env: 'COINGLASS_POLL_SEC',
    describe: 'seconds between Coinglass polls',
    expected: 'a whole number of seconds from 1 to 86400 (a day)',
    schema: seconds,
    default: '300',
  },
  binancePollSec: {
    env: 'BINANCE_POLL_SEC',
    describe: 'seconds between Binance REST metric polls',
    expected: 'a whole number of seconds from 1 to 86400 (a day)',
    schema: seconds,
    default: '60',
  },
  upbitMarkets: {
    env: 'CQT_UPBIT_MARKETS',
    flag: '--upbit-markets',
    describe: 'Upbit markets to collect, comma separated',
    expected: 'upper-case QUOTE-BASE codes, e.g. KRW-BTC,KRW-ETH',
    schema: list.pipe(z.array(z.string().regex(/^[A-Z0-9]+-[A-Z0-9]+$/))),
    default: 'KRW-BTC',
  },
  binanceSymbols: {
    env: 'CQT_BINANCE_SYMBOLS',
    flag: '--binance-symbols',
    describe: 'Binance USD-M symbols to collect, comma separated',
    expected: 'upper-case symbols, e.g. BTCUSDT,ETHUSDT',
    schema: list.pipe(z.array(z.string().regex(/^[A-Z0-9]+$/))),
    default: 'BTCUSDT',
  },
  feePerSideBps: {
    env: 'CQT_FEE_PER_SIDE_BPS',
    describe: 'trading fee per side in basis points (Upbit KRW: 5)',
    expected: 'a number of basis points ≥ 0',
    schema: z.coerce.number().min(0).max(1000),
    default: '5',
  },
  backfillUpbitReqPerSec: {
    env: 'CQT_BACKFILL_UPBIT_REQ_PER_SEC',
    describe: "Upbit candle requests per second `cqt backfill` may send (Upbit's candle group: 10 per IP; lower it for other candle clients on the IP)",
    expected: 'a whole number from 1 to 10',
    schema: z.coerce.number().int().min(1).max(10),
    default: '10',
  },
  backfillBinanceWeightShare: {
    env: 'CQT_BACKFILL_BINANCE_WEIGHT_SHARE',
    describe: "share of Binance's request-weight budget `cqt backfill` may use; the rest is left to a collector's REST polling on the same IP",
    expected: 'a fraction above 0 and at most 1, e.g. 0.9',
    schema: z.coerce.number().gt(0).max(1),
    default: '0.9',
  },
  retentionDays: {
    env: 'CQT_RETENTION_DAYS',
    describe: 'default retention for `cqt prune`, in days',
    expected: 'a whole number of days ≥ 1',
    schema: z.coerce.number().int().min(1),
    default: '7',
  },
  logLevel: {
    env: 'CQT_LOG_LEVEL',
    describe: 'log verbosity',
    expected: 'one of error, warn, info, debug',
    schema: z.enum(['error', 'warn', 'info', 'debug']),
    default: 'info',
  },
  serveToken: {
    env: 'CQT_SERVE_TOKEN',
    describe: '`cqt serve`: bearer token every API request must carry; required to bind beyond loopback',
    expected: 'at least 16 characters, e.g. from `openssl rand -hex 24`',
    schema: z.string().min(16).optional(),
    secret: 'key',
  },
  notifyWebhookUrl: {
    env: 'CQT_NOTIFY_WEBHOOK_URL',
    describe: '`cqt worker` posts job events here (Slack-compatible JSON: text plus fields); a secret, never printed',
    expected: 'an http:// or https:// URL, e.g. https://hooks.slack.com/services/…',
    schema: httpUrl.optional(),
    secret: 'key',
  },
  monitorWebhookUrl: {
    env: 'CQT_MONITOR_WEBHOOK_URL',
    describe: '`cqt monitor` posts state transitions here (Slack-compatible JSON); unset = CQT_NOTIFY_WEBHOOK_URL; a secret, never printed',
    expected: 'an http:// or https:// URL, e.g. https://hooks.slack.com/services/…',
    schema: httpUrl.optional(),
    secret: 'key',
  },
  notifyOn: {
    env: 'CQT_NOTIFY_ON',
    describe: 'which job events go to CQT_NOTIFY_WEBHOOK_URL: dead (a job that used its last attempt) or all (dead and completed)',
    expected: 'dead or all',
    schema: z.enum(['dead', 'all']),
    default: 'dead',
  },
  resultsUrl: {
    env: 'CQT_RESULTS_URL',
    describe: 'where `cqt worker` publishes each job\'s run files with a manifest (`cqt results`); S3 takes AWS_ENDPOINT_URL_S3, AWS_REGION and the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY pair',
    expected: 'file:///absolute/folder or s3://bucket or s3://bucket/prefix',
    schema: z.string().regex(/^(file:\/\/\/.+|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?)$/).optional(),
  },
} satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof settings;
export const settingKeys = Object.keys(settings) as SettingKey[];

export type Settings = { [K in SettingKey]: z.output<(typeof settings)[K]['schema']> };
