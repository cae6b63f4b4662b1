// The dashboard as an operator gets it from the built binary (PostgreSQL, data seeded up to the
// moment the test starts): `cqt serve` shows the gates' fill and null rates as tiles (the gates
// live in apps only the binary loads); `cqt serve --snapshot FILE --as-of T` writes one file that
// opens in Chromium from disk with the network off, tiles included; bad uses exit 2 with one line.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestDatabase } from '@cqt/test-support/pg';
import { runCqt, startCqt, type CqtChild } from '@cqt/test-support/cqt';
import { seedHealthy, seededDatabase } from '@cqt/test-support/seed';
import { tempDir } from '@cqt/test-support/tmp';
import { describeBrowser, openBrowser, pageProblems, type Browser } from './chromium.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeBrowser('dashboard from the built binary (PostgreSQL)', () => {
  let browser: Browser;
  let pg: TestDatabase;
  let env: Record<string, string>;
  let serve: CqtChild;
  let url: string;
  const dir = tempDir('cqt-snapshot-cli-');
  // Whole seconds: the as-of the snapshot is asked for.
  const asOfMs = Math.floor(Date.now() / 1000) * 1000;

  beforeAll(async () => {
    [browser, pg] = await Promise.all([openBrowser(), seededDatabase((db) => seedHealthy(db, { market: 'KRW-OK', symbol: 'OKUSDT', asOfMs }))]);
    env = { CQT_UPBIT_MARKETS: 'KRW-OK', CQT_BINANCE_SYMBOLS: 'OKUSDT', DATABASE_URL: pg.url };
    serve = startCqt(['serve', '--port', '0'], env);
    const deadline = Date.now() + 30_000;
    let found: RegExpExecArray | null = null;
    while (!(found = /listening on (\S+)/.exec(serve.stderr)) && serve.exitCode === undefined && Date.now() < deadline) await sleep(50);
    if (!found) throw new Error(`cqt serve did not start: ${serve.stderr.slice(-500)}`);
    url = found[1];
  });
  afterAll(async () => {
    if (serve?.exitCode === undefined) {
      serve.child.kill('SIGTERM');
      await Promise.race([serve.exited, sleep(20_000)]);
    }
    await browser?.close();
    await pg?.drop();
    dir.remove();
  });

  it('cqt serve: the gates\' fill and null rates are tiles with their status and threshold', async () => {
    const page = await browser.context.newPage();
    const problems = pageProblems(page);
    try {
      await page.goto(`${url}/`);
      await page.waitForSelector('#connection.live', { timeout: 30_000 });
      const fill = page.locator('#quality .tile[data-name="market_1s.fill[KRW-OK]"]');
      expect(await fill.getAttribute('class')).toBe('tile pass');
      // The seed ends when the test starts; the gates run a little later, at the server's now.
      expect(await fill.locator('.value').textContent()).toMatch(/^\d{2,3}\.\d+ %$/);
      expect(await fill.locator('.threshold').textContent()).toMatch(/^pass · ≥ \d+\.\d+ % · 10\.0 min window$/);
      expect(await page.locator('#quality .tile[data-name^="feature_snapshots.null_rate."]').count()).toBeGreaterThan(5);
      expect(await page.textContent('#quality h2 .as-of')).toMatch(/^as of \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('cqt serve --snapshot FILE --as-of T: one file, opened offline, shows the same panels', async () => {
    const path = join(dir.path, 'report.html');
    const asOf = new Date(asOfMs).toISOString();
    const run = runCqt(['serve', '--snapshot', path, '--as-of', asOf], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^wrote ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+ KB\\): the dashboard as of ${asOf}, KRW-OK / OKUSDT; opens offline\\n$`));
    const html = readFileSync(path, 'utf8');
    expect(/<script src=|<link rel="stylesheet" href=/.test(html)).toBe(false);
    expect(html.includes('window.CQT_SNAPSHOT = {')).toBe(true);

    const context = browser.context;
    const page = await context.newPage();
    const problems = pageProblems(page);
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await context.setOffline(true);
    try {
      await page.goto(pathToFileURL(path).href);
      await page.waitForSelector('#connection.snapshot');
      expect(await page.textContent('#page-as-of')).toBe(`snapshot as of ${asOf.replace('T', ' ').replace('.000Z', ' UTC')}`);
      expect(await page.locator('#freshness tr[data-source="market_1s"][data-key="KRW-OK"]').getAttribute('class')).toBe('fresh');
      expect(await page.locator('#quality .tile[data-name="market_1s.fill[KRW-OK]"]').getAttribute('class')).toBe('tile pass');
      expect(await page.locator('[data-chart="mid"] canvas').count()).toBe(1);
      expect(await page.locator('#snapshots tbody tr').count()).toBe(20);
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.setOffline(false);
      await page.close();
    }
  });

  it.each([
    [['--snapshot', '/no/such/folder/report.html'], 'cannot write --snapshot /no/such/folder/report.html: ENOENT'],
    [['--as-of', '2026-11-23T10:00:00Z'], '--as-of applies to --snapshot only'],
  ])('cqt serve %j: exit 2 with one line', (args, line) => {
    const run = runCqt(['serve', '--port', '0', ...args], env, { timeoutMs: 30_000 });
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toContain(line);
    expect(existsSync('/no/such/folder')).toBe(false);
  });
});
