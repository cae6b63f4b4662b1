// `cqt serve` metrics on its own port: GET /metrics (Prometheus text) and request durations by
// route (docs/operations.md, decision 133). /metrics is behind the bearer token like /api when one
// is set (Prometheus sends it with `authorization: {credentials: …}`).
import type { FastifyInstance } from 'fastify';

export async function registerMetrics(app: FastifyInstance): Promise<void> {
  const { createRegistry, histogram, scrape } = await import('@cqt/metrics');
  const registry = createRegistry('serve');
  const requests = histogram(registry, 'cqt_serve_request_duration_seconds', 'time to answer a request, by route pattern, method and status code (an /api/events stream counts when it closes)', ['route', 'method', 'code']);
  app.addHook('onResponse', async (request, reply) => {
    // The route's pattern (/api/backtests/:id), never the URL: the labels stay few. No route: unmatched.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.observe({ route, method: request.method, code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await scrape(registry);
    return reply.header('content-type', contentType).send(body);
  });
}
