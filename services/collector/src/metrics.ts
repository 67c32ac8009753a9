import { Counter, Histogram, type Registry } from '@sillage/runtime'

export type CollectorMetrics = ReturnType<typeof createCollectorMetrics>

export function createCollectorMetrics(registry: Registry) {
  return {
    requests: new Counter({
      name: 'sillage_collector_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'sillage_collector_request_duration_seconds',
      help: 'Time from the request to the response sent, by route (ingestion includes the durable write)',
      labelNames: ['route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    accepted: new Counter({
      name: 'sillage_collector_events_accepted_total',
      help: 'Events durably written to events.raw',
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'sillage_collector_events_rejected_total',
      help: 'Events refused, by reason code (each is dead-lettered)',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    refused: new Counter({
      name: 'sillage_collector_requests_refused_total',
      help: 'Requests refused whole (nothing of them stored), by reason code',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'sillage_collector_rate_limited_total',
      help: 'Requests refused with 429, by source',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    retriedRequests: new Counter({
      name: 'sillage_collector_retried_requests_total',
      help: 'Requests that carried X-Retry-Count > 0 (client retries)',
      registers: [registry],
    }),
    planViolations: new Counter({
      name: 'sillage_collector_tracking_plan_violations_total',
      help: "Track events that broke their source's tracking plan, by event (a name the plan lists) and rule (JSON Schema keyword:field)",
      labelNames: ['event', 'rule'] as const,
      registers: [registry],
    }),
    busLatency: new Histogram({
      name: 'sillage_collector_bus_produce_seconds',
      help: 'Time from produce to durable acknowledgement, per request',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  }
}
