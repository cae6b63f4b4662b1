// Headless Chromium for the dashboard tests: Debian's `chromium` (or CQT_CHROMIUM) driven by
// playwright-core, in a fresh profile, with everything that would reach the network switched off.
// Without a Chromium the suite reports itself skipped with the reason; under CI=true it fails.
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { describe, it } from 'vitest';
import { tempDir } from '@cqt/test-support/tmp';

export const chromiumPath = process.env.CQT_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function describeBrowser(name: string, body: () => void): void {
  if (existsSync(chromiumPath)) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(`no Chromium at ${chromiumPath}: CI must run the browser tests (apt-get install -y chromium, or set CQT_CHROMIUM)`);
      });
    });
  } else {
    describe.skip(`${name} — skipped: no Chromium at ${chromiumPath} (apt-get install chromium, or set CQT_CHROMIUM)`, () => {
      it('drives the dashboard in Chromium', () => {});
    });
  }
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh --user-data-dir each time (playwright passes it as the persistent context's folder). */
export async function openBrowser(): Promise<Browser> {
  const profile = tempDir('cqt-chromium-');
  const context = await chromium.launchPersistentContext(profile.path, {
    executablePath: chromiumPath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    timezoneId: 'Asia/Seoul',
  });
  return {
    context,
    async close() {
      await context.close();
      profile.remove();
    },
  };
}

/** Console errors, uncaught exceptions and failed requests of a page, as lines. */
export function pageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    // Leaving the page aborts the open event stream: that is not a failure of the page.
    if (!r.url().endsWith('/api/events')) problems.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`);
  });
  return problems;
}
