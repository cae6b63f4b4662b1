// `cqt serve --snapshot report.html`: the dashboard as one self-contained file — the page, its
// script, uPlot, lightweight-charts and /api/dashboard's answer inlined — for sharing. It opens
// from disk with no server and no network; it is not live.
import { renameSync, writeFileSync } from 'node:fs';
import type { Query } from '../params.js';
import { loadAssets, snapshotHtml } from './assets.js';
import { readDashboard, type DashboardParts } from './data.js';

export interface SnapshotResult {
  snapshot: string;
  bytes: number;
  asOf: string;
  market: string | null;
  symbol: string | null;
}

export async function writeSnapshot(parts: DashboardParts, path: string, query: Query = {}, nowMs = Date.now()): Promise<SnapshotResult> {
  const data = await readDashboard(parts, query, nowMs);
  const html = snapshotHtml(loadAssets(), data);
  // Written beside the target and renamed: a reader never sees half a report.
  const partial = `${path}.partial`;
  writeFileSync(partial, html);
  renameSync(partial, path);
  return { snapshot: path, bytes: Buffer.byteLength(html), asOf: data.asOf, market: data.market, symbol: data.symbol };
}
