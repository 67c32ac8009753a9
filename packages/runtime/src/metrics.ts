import { Registry, collectDefaultMetrics } from 'prom-client'

export { Counter, Gauge, Histogram, Registry } from 'prom-client'

/** A per-process registry; services register their metrics on it, /metrics exposes it. */
export function createMetricsRegistry(opts: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry()
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'sillage_' })
  return registry
}
