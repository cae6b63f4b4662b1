// The dashboard on the server: the page at `/`, its files under /assets/, its data at
// /api/dashboard. The page and its files hold no data, so they are served without the bearer
// token (a browser cannot add a header to a page load); the page sends the token from the URL
// fragment (`/#token=…`, never sent to the server) on every API request.
import type { FastifyInstance } from 'fastify';
import { refuseUnknown, type Query } from '../params.js';
import { loadAssets } from './assets.js';
import { readDashboard, type DashboardParts } from './data.js';

/** Paths served without the token. */
export const isPublicPath = (url: string): boolean => url === '/' || url.startsWith('/?') || url.startsWith('/#') || url.startsWith('/assets/');

export function registerDashboard(app: FastifyInstance, parts: DashboardParts & { nowMs: () => number }): void {
  const { page, assets } = loadAssets();
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
}
