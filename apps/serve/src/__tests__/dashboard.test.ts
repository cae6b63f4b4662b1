// The dashboard in headless Chromium (Debian's chromium through playwright-core), served
// in-process on both backends with the clock standing at as-of: the page loads with no console
// errors and shows the seeded data in every panel, each with its "as of … UTC"; a row written
// while it is open appears without a reload; a hard-stale source is shown as such and turns fresh
// live when it catches up; the --snapshot file opens from disk with the network off and shows the
// same data. On PostgreSQL, 24 h of 1 s data: the first render's time is printed as a figure.
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db, RowOf } from '@cqt/db';
import { BACKTEST_QUEUE, openQueue } from '@cqt/jobs';
import { describeBackends } from '@cqt/test-support/backends';
import { AS_OF, SEC, insert, rows, seedHealthy, series } from '@cqt/test-support/seed';
import { tempDir } from '@cqt/test-support/tmp';
import { writeSnapshot } from '../dashboard/snapshot.js';
import { startServer, type RunningServer } from '../index.js';
import { describeBrowser, openBrowser, pageProblems, type Browser } from './chromium.js';

const ENV = { CQT_UPBIT_MARKETS: 'KRW-A', CQT_BINANCE_SYMBOLS: 'AUSDT,HUSDT' };
const before = (sec: number) => AS_OF - sec * SEC;
const AS_OF_TEXT = 'as of 2026-11-23 10:00:00 UTC';
const utc = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

/** Predictions on the 5 s grid (horizon 120 s), written 200 ms after their ts. */
const predictions = (symbol: string, ts: number[]): RowOf<'predictions'>[] =>
  ts.map((t, i) => ({ symbol, ts: new Date(t), horizonSec: 120, sigma: 0.002, rT: 0.003, pUp: 0.3 + (i % 10) / 100, pDown: 0.3, pNone: 0.4 - (i % 10) / 100, evRate: 0.0001, model: 'barrier', modelVersion: '1', createdAt: new Date(t + 200) }));

const MIN = 60_000;
const T0 = AS_OF - 120 * MIN;

/** A stored run as `cqt backtest run` writes it over 120 stored 1 m candles, with 3 trades; one queued job. */
async function seedBacktest(db: Db): Promise<number> {
  const slots = Array.from({ length: 120 }, (_, i) => T0 + i * MIN);
  await insert(db, 'candles', slots.map((t, i) => ({ venue: 'upbit', symbol: 'KRW-A', timeframe: '1m', ts: new Date(t), open: 100 + i, high: 102 + i, low: 99 + i, close: 101 + i, volume: 1, quoteVolume: null, tradeCount: null, closed: true, recvTs: new Date(t + MIN + 1500) })));
  const { sql } = db;
  const [{ id }] = await sql<{ id: string }[]>`
    insert into backtest_runs (status, strategy, params, execution, source, venue, symbol, file, timeframe, from_ts, to_ts, candles, missing_bars, holes, input_sha256, metrics, timings_ms)
    values ('done', 'sma-cross', ${sql.json({ fast: 5, slow: 20 })}, ${sql.json({ cash: 1e6, feeBps: 10, slippageBps: 2, stopLossPct: null, takeProfitPct: null })}, 'store', 'upbit', 'KRW-A', null,
      '1m', ${new Date(T0)}, ${new Date(slots[119])}, 120, 0, 0, 'abc123', ${sql.json({ totalReturn: 0.1, sharpe: 1.5, maxDrawdown: 0.2, trades: 3 })}, ${sql.json({ total: 10 })})
    returning id`;
  await sql`insert into backtest_equity (run_id, ts, equity, position)
    select ${id}, ${new Date(T0)}::timestamptz + i * interval '1 minute', 1e6 + i * 100, (i % 2)::float8 from generate_series(0, 119) as i`;
  for (const seq of [0, 1, 2]) {
    await sql`insert into backtest_trades (run_id, seq, entry_ts, exit_ts, side, qty, entry_price, exit_price, fees, pnl, return, exit_reason, bars_held)
      values (${id}, ${seq}, ${new Date(slots[20 + 30 * seq])}, ${new Date(slots[30 + 30 * seq])}, 'long', 2, 120, 130, 0.5, ${seq === 1 ? -5 : 19.5}, 0.08, 'signal', 10)`;
  }
  const queue = await openQueue(sql, { queue: BACKTEST_QUEUE });
  try {
    await queue.submit({ strategy: 'sma-cross' });
  } finally {
    await queue.stop(1000);
  }
  return Number(id);
}

/** A healthy market and symbol, predictions, and HUSDT's mark price stopped an hour before as-of. */
async function seed(db: Db): Promise<void> {
  await seedHealthy(db, { market: 'KRW-A', symbol: 'AUSDT' });
  await insert(db, 'predictions', predictions('KRW-A', series({ lastTsMs: before(5), count: 120, stepSec: 5 })));
  await insert(db, 'binance_mark_price_1s', rows.markPrice('HUSDT', series({ lastTsMs: before(3600), count: 60 })));
}

describeBrowser('dashboard in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await openBrowser();
  });
  afterAll(async () => browser?.close());

  describeBackends('dashboard', ({ db, backend }) => {
    let server: RunningServer;
    // One page for the three tests that follow: loaded once, then watched as rows are written.
    let page: Page;
    let problems: string[];
    let runId: number;
    beforeAll(async () => {
      await seed(db());
      runId = await seedBacktest(db());
      server = await startServer({ db: db(), env: ENV, port: 0, nowMs: () => AS_OF, events: { intervalMs: 300 } });
      page = await browser.context.newPage();
      problems = pageProblems(page);
      await page.goto(`${server.url}/`);
    });
    afterAll(async () => {
      await page?.close();
      await server?.close();
    });

    it('loads with no console errors and shows the seeded data in every panel, as of UTC', async () => {
      await page.waitForSelector('#connection.live');
      expect(await page.textContent('#page-as-of')).toBe(`loaded ${AS_OF_TEXT}`);
      for (const panel of ['freshness', 'features', 'snapshots']) expect(await page.textContent(`#${panel} h2 .as-of`)).toBe(AS_OF_TEXT);

      const market = page.locator('#freshness tr[data-source="market_1s"][data-key="KRW-A"]');
      expect(await market.getAttribute('class')).toBe('fresh');
      expect(await market.locator('td').nth(3).textContent()).toBe('2 s');
      expect(await market.locator('td').nth(4).textContent()).toBe(utc(before(2)));
      expect(await page.locator('#freshness tbody tr').count()).toBeGreaterThan(10);

      // Charts: a uPlot canvas per chart with data; the mid chart's header counts the rows read.
      for (const id of ['mid', 'spread', 'funding', 'oi', 'liquidations', 'probabilities', 'ev']) {
        expect(await page.locator(`[data-chart="${id}"] canvas`).count(), id).toBe(1);
      }
      expect(await page.textContent('[data-chart="mid"] h3')).toContain('KRW-A · 700 rows');
      expect(await page.textContent('[data-chart="funding"] h3')).toContain('AUSDT · 700 rows');
      expect(await page.textContent('[data-chart="probabilities"] h3')).toContain('120 rows');

      const snapshotRows = page.locator('#snapshots tbody tr');
      expect(await snapshotRows.count()).toBe(20);
      expect(await snapshotRows.first().getAttribute('data-ts')).toBe(String(before(5)));
      expect(await snapshotRows.first().locator('td').first().textContent()).toBe(utc(before(5)));
      // No gates in this in-process server (they live in apps the binary loads): said, not hidden.
      expect(await page.textContent('#quality .tiles')).toBe('the gates are not available on this server');
      // Backtests: the stored run chosen, its candles with trade markers (lightweight-charts), its equity; the queued job.
      await page.waitForSelector(`#runs tbody tr[data-run="${runId}"].selected`, { timeout: 30_000 });
      const cells = await page.locator('#runs tbody tr').first().locator('td').allTextContents();
      expect(cells[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
      expect([cells[0], ...cells.slice(2)]).toEqual([String(runId), 'sma-cross', 'upbit KRW-A 1m', '120', '10.00 %', '1.5', '20.00 %', '3']);
      expect(await page.textContent('#run .note')).toBe(`run ${runId} · sma-cross · 3 trades · upbit KRW-A 1m`);
      expect(await page.locator('#run .candles canvas').count()).toBeGreaterThan(0);
      expect(await page.locator('#run .equity canvas').count()).toBe(1);
      expect(await page.locator('#jobs tbody tr').count()).toBe(1);
      expect(await page.textContent('#jobs tbody tr .badge')).toBe('queued');
      expect(await page.textContent('#runs h2 .as-of')).toBe(AS_OF_TEXT);
      expect(problems).toEqual([]);
    });

    it('a snapshot row and a 1 s bar written while the page is open appear without a reload', async () => {
      const loadedAt = await page.evaluate(() => performance.timeOrigin);
      const snapshot = { ...rows.feature('KRW-A', [before(1)])[0], midKrw: 1.4321e8, pUp: 0.61 };
      await insert(db(), 'feature_snapshots', [snapshot]);
      await insert(db(), 'market_1s', rows.market1s('KRW-A', [before(1)], 500));
      const row = page.locator(`#snapshots tbody tr[data-ts="${before(1)}"]`);
      await row.waitFor({ timeout: 20_000 });
      expect(await row.locator('td').nth(1).textContent()).toBe('143,210,000');
      expect(await page.locator('#snapshots tbody tr').first().getAttribute('data-ts')).toBe(String(before(1)));
      expect(await page.locator('#snapshots tbody tr').count()).toBe(20);
      await page.waitForFunction(() => document.querySelector('[data-chart="mid"] h3')?.textContent?.includes('701 rows'), undefined, { timeout: 20_000 });
      // The same page, not a reload.
      expect(await page.evaluate(() => performance.timeOrigin)).toBe(loadedAt);
      expect(problems).toEqual([]);
    });

    it('a hard-stale source is shown as such, and turns fresh live when it catches up', async () => {
      const stale = page.locator('#freshness tr[data-source="binance_mark_price_1s"][data-key="HUSDT"]');
      expect(await stale.getAttribute('class')).toBe('hard_stale');
      expect(await stale.locator('.badge').textContent()).toBe('hard_stale');
      expect(await stale.locator('td').nth(3).textContent()).toBe('60.0 min');
      expect(await stale.locator('.reasons').textContent()).toBe('lag 3600 s > hard stale after 60 s');
      expect(await page.getAttribute('#overall', 'class')).toBe('badge fail');

      await insert(db(), 'binance_mark_price_1s', rows.markPrice('HUSDT', series({ lastTsMs: before(1), count: 10 })));
      await page.waitForSelector('#freshness tr[data-source="binance_mark_price_1s"][data-key="HUSDT"].fresh', { timeout: 20_000 });
      expect(problems).toEqual([]);
    });

    it(`--snapshot: one file that opens from disk with the network off and shows the data [${backend}]`, async () => {
      const dir = tempDir('cqt-snapshot-');
      const context = browser.context;
      const page = await context.newPage();
      const problems = pageProblems(page);
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      try {
        const path = join(dir.path, 'report.html');
        const written = await writeSnapshot({ db: db(), config: { upbitMarkets: ['KRW-A'], binanceSymbols: ['AUSDT', 'HUSDT'], binancePollSec: 30, coinglassEnabled: false, coinglassPollSec: 60 } }, path, AS_OF);
        expect(written).toMatchObject({ snapshot: path, asOf: new Date(AS_OF).toISOString(), market: 'KRW-A', symbol: 'AUSDT' });
        const html = readFileSync(path, 'utf8');
        expect(/<script src=|<link rel="stylesheet" href=/.test(html)).toBe(false);
        await context.setOffline(true);
        await page.goto(pathToFileURL(path).href);
        await page.waitForSelector('#connection.snapshot');
        expect(await page.textContent('#page-as-of')).toBe(`snapshot ${AS_OF_TEXT}`);
        expect(await page.locator('#freshness tr[data-key="HUSDT"].hard_stale, #freshness tr[data-key="HUSDT"].fresh').count()).toBe(1);
        expect(await page.locator('#freshness tr[data-source="market_1s"][data-key="KRW-A"]').getAttribute('class')).toBe('fresh');
        expect(await page.locator('[data-chart="mid"] canvas').count()).toBe(1);
        expect(await page.locator('#snapshots tbody tr').count()).toBe(20);
        expect(await page.locator(`#runs tbody tr[data-run="${runId}"].selected`).count()).toBe(1);
        expect(await page.locator('#run .candles canvas').count()).toBeGreaterThan(0);
        expect(await page.textContent('#jobs tbody tr .badge')).toBe('queued');
        expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([]);
        expect(problems).toEqual([]);
      } finally {
        await context.setOffline(false);
        await page.close();
        dir.remove();
      }
    });
  });

  describeBackends('dashboard at 24 h of 1 s data', ({ db, backend }) => {
    it.runIf(backend === 'postgres')('first render of a day of 1 s bars and mark prices (figure printed)', async () => {
      const day = 86_400;
      await insert(db(), 'market_1s', rows.market1s('KRW-D', series({ lastTsMs: before(1), count: day })));
      await insert(db(), 'binance_mark_price_1s', rows.markPrice('DUSDT', series({ lastTsMs: before(1), count: day })));
      await insert(db(), 'predictions', predictions('KRW-D', series({ lastTsMs: before(5), count: day / 5, stepSec: 5 })));
      const server = await startServer({ db: db(), env: { CQT_UPBIT_MARKETS: 'KRW-D', CQT_BINANCE_SYMBOLS: 'DUSDT' }, port: 0, nowMs: () => AS_OF });
      const page = await browser.context.newPage();
      const problems = pageProblems(page);
      try {
        const figures: number[] = [];
        const answers: number[] = [];
        for (let i = 0; i < 3; i++) {
          const started = performance.now();
          expect((await fetch(`${server.url}/api/dashboard`)).status).toBe(200);
          answers.push(Math.round(performance.now() - started));
          await page.goto(`${server.url}/`);
          await page.waitForSelector('#connection.live', { timeout: 30_000 });
          figures.push(Number(await page.evaluate(() => document.documentElement.dataset.firstRenderMs)));
        }
        expect(await page.textContent('[data-chart="mid"] h3')).toContain('86,400 rows → 1,000 buckets');
        expect(await page.textContent('[data-chart="funding"] h3')).toContain('86,400 rows');
        expect(figures.every((ms) => ms > 0)).toBe(true);
        console.log(`dashboard first render, 24 h of 1 s data (2 × 86,400 rows + 17,280 predictions), PostgreSQL: ${figures.map((ms) => `${ms} ms`).join(', ')} (navigation start → every panel drawn; target < 1 s); /api/dashboard alone: ${answers.map((ms) => `${ms} ms`).join(', ')}; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
        expect(problems).toEqual([]);
      } finally {
        await page.close();
        await server.close();
      }
    });
  });
});

it('the dashboard files are in the repo (served from there, never a CDN)', () => {
  const page = readFileSync(new URL('../../dashboard/index.html', import.meta.url), 'utf8');
  expect(page).not.toMatch(/https?:\/\//);
  for (const name of ['dashboard.js', 'dashboard.css']) expect(existsSync(new URL(`../../dashboard/${name}`, import.meta.url))).toBe(true);
});
