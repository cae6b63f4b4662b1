// `cqt serve --snapshot report.html`: the dashboard as one self-contained file — the page, its
// script, uPlot, lightweight-charts and /api/dashboard's answer inlined — for sharing. It opens
// from disk with no server and no network; it is not live.
import { renameSync, writeFileSync } from 'node:fs';
import { buildServer } from '../server.js';
import { loadAssets, snapshotHtml } from './assets.js';
import type { BacktestsAnswer, DashboardAnswer, DashboardParts } from './data.js';

export interface SnapshotResult {
  snapshot: string;
  bytes: number;
  asOf: string;
  market: string | null;
  symbol: string | null;
}

/** The page's data: what GET /api/dashboard and /api/dashboard/backtests answer at `nowMs` on a server over the same store. */
export async function writeSnapshot(parts: Omit<DashboardParts, 'get'>, path: string, nowMs = Date.now()): Promise<SnapshotResult> {
  const app = buildServer({ ...parts, nowMs: () => nowMs });
  const read = async <T>(url: string): Promise<T> => {
    const answer = await app.inject({ method: 'GET', url });
    if (answer.statusCode !== 200) throw new Error(`the dashboard's data (${url}): ${answer.json<{ error: string }>().error}`);
    return answer.json<T>();
  };
  let data: DashboardAnswer & { backtests: BacktestsAnswer };
  try {
    const [core, backtests] = await Promise.all([read<DashboardAnswer>('/api/dashboard'), read<BacktestsAnswer>('/api/dashboard/backtests')]);
    data = { ...core, backtests };
  } finally {
    await app.close();
  }
  const html = snapshotHtml(loadAssets(), data);
  // Written beside the target and renamed: a reader never sees half a report.
  const partial = `${path}.partial`;
  writeFileSync(partial, html);
  renameSync(partial, path);
  return { snapshot: path, bytes: Buffer.byteLength(html), asOf: data.asOf, market: data.market, symbol: data.symbol };
}
