// The dashboard's files: the page, its script and style from apps/serve/dashboard/ (in the repo),
// uPlot and lightweight-charts from node_modules — served by the server itself, never a CDN, so
// the page works offline. Read once when the server starts.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** apps/serve/dashboard/, from src/dashboard/ (tests) and dist/dashboard/ (the build) alike; the
 * packed CLI (scripts/pack.mjs) has it beside its bundle. */
const besideBundle = fileURLToPath(new URL('./dashboard/', import.meta.url));
const pageDir = existsSync(join(besideBundle, 'index.html')) ? besideBundle : fileURLToPath(new URL('../../dashboard/', import.meta.url));
const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

export interface Asset {
  name: string;
  type: string;
  body: string;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** In the order the page loads them (the libraries before the page's script). */
const files: Array<{ name: string; type: string; path: () => string }> = [
  { name: 'uPlot.min.css', type: CSS, path: () => join(packageDir('uplot'), 'dist/uPlot.min.css') },
  { name: 'dashboard.css', type: CSS, path: () => join(pageDir, 'dashboard.css') },
  { name: 'uPlot.iife.min.js', type: JS, path: () => join(packageDir('uplot'), 'dist/uPlot.iife.min.js') },
  { name: 'lightweight-charts.standalone.production.js', type: JS, path: () => join(packageDir('lightweight-charts'), 'dist/lightweight-charts.standalone.production.js') },
  { name: 'dashboard.js', type: JS, path: () => join(pageDir, 'dashboard.js') },
];

export interface DashboardAssets {
  /** index.html, referring to /assets/<name>. */
  page: string;
  assets: Map<string, Asset>;
}

export function loadAssets(): DashboardAssets {
  const assets = new Map(files.map((f) => [f.name, { name: f.name, type: f.type, body: readFileSync(f.path(), 'utf8') }]));
  return { page: readFileSync(join(pageDir, 'index.html'), 'utf8'), assets };
}

/**
 * One self-contained HTML file: every asset inlined and the dashboard's data as
 * `window.CQT_SNAPSHOT`, which the page draws instead of asking the server (no live updates).
 */
export function snapshotHtml({ page, assets }: DashboardAssets, data: unknown): string {
  // Inside <script>, "</script" would end the element and "<!--" can change how it is parsed.
  const script = (text: string) => `<script>${text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--')}</script>`;
  const json = JSON.stringify(data).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  let html = page;
  for (const asset of assets.values()) {
    const inlined = asset.type === CSS ? `<style>${asset.body.replace(/<\/(style)/gi, '<\\/$1')}</style>` : script(asset.body);
    const tag = asset.type === CSS ? new RegExp(`<link rel="stylesheet" href="assets/${escapeRegExp(asset.name)}">`) : new RegExp(`<script src="assets/${escapeRegExp(asset.name)}"></script>`);
    if (!tag.test(html)) throw new Error(`index.html does not load assets/${asset.name}`);
    const data = asset.name === 'dashboard.js' ? `<script>window.CQT_SNAPSHOT = ${json};</script>\n` : '';
    html = html.replace(tag, () => data + inlined);
  }
  return html;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
