// The dashboard on the server: the page at `/`, its files under /assets/, its data at
// /api/dashboard. The page and its files hold no data, so they are served without the bearer
// token (a browser cannot add a header to a page load); the page sends the token from the URL
// fragment (`/#token=…`, never sent to the server) on every API request.
import type { FastifyInstance } from 'fastify';
import { UsageError } from '@cqt/config';
import { refuseUnknown, type Query } from '../params.js';
import { loadAssets } from './assets.js';
import { readBacktests, readDashboard, type DashboardParts } from './data.js';

export type { DashboardParts };

/** Paths served without the token. */
export const isPublicPath = (url: string): boolean => url === '/' || url.startsWith('/?') || url.startsWith('/#') || url.startsWith('/assets/');

export function registerDashboard(app: FastifyInstance, parts: Omit<DashboardParts, 'get'> & { nowMs: () => number; token?: string }): void {
  const { page, assets } = loadAssets();
  // The backtest panels ask this server's own routes (in-process, no socket).
  const get = async (path: string) => {
    const answer = await app.inject({ method: 'GET', url: path, headers: parts.token === undefined ? {} : { authorization: `Bearer ${parts.token}` } });
    const body = answer.json<{ error?: string; hint?: string | null }>();
    if (answer.statusCode === 404 && body.error?.startsWith('no route ')) return null;
    // Asked for a run that does not exist (?run=): the page's request was wrong.
    if (answer.statusCode === 404 || answer.statusCode === 400) throw new UsageError(body.error ?? `GET ${path} answered ${answer.statusCode}`, body.hint ?? undefined);
    if (answer.statusCode !== 200) throw new Error(`GET ${path.split('?')[0]} answered ${answer.statusCode}: ${body.error ?? ''}`);
    return answer.json();
  };
  app.get('/', async (request, reply) => {
    refuseUnknown(request.query as Query, []);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page);
  });
  app.get('/assets/:name', async (request, reply) => {
    const asset = assets.get((request.params as { name: string }).name);
    if (!asset) return reply.code(404).send({ error: `no asset ${(request.params as { name: string }).name}`, hint: 'the dashboard loads only the files index.html names' });
    return reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body);
  });
  app.get('/api/dashboard', async (request) => readDashboard(parts, request.query as Query, parts.nowMs()));
  app.get('/api/dashboard/backtests', async (request) => readBacktests(get, request.query as Query));
}
