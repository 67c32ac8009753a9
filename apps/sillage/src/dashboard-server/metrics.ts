import type { FastifyInstance } from 'fastify'
import { Counter, Histogram, type Registry } from '@sillage/runtime'

/**
 * The dashboard process's HTTP metrics, on its /metrics (the ops port) beside the process's own:
 * requests by route and status, and their duration by route. Routes are Fastify's patterns
 * (`/dashboard/api/overview`), never the raw URL, so that the label set stays small.
 */
export function registerDashboardMetrics(app: FastifyInstance, registry: Registry): void {
  const requests = new Counter({
    name: 'sillage_dashboard_requests_total',
    help: 'Requests answered by the dashboard process, by route and status',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'sillage_dashboard_request_duration_seconds',
    help: 'Time to answer a dashboard request, by route',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    requests.inc({ route, status: String(reply.statusCode) })
    duration.observe({ route }, reply.elapsedTime / 1000)
  })
}
