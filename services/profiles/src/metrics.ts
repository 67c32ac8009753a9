import { Counter, Gauge, Histogram, type Registry } from '@sillage/runtime'

/** The profiles metrics (docs/profiles.md#metrics); names are what the dashboards read. */
export interface ProfileMetrics {
  lookupDuration: Histogram<'route'>
  lookups: Counter<'outcome'>
  refreshLag: Gauge
  refreshDuration: Histogram<'job'>
  jobFailures: Counter<'job'>
}

export function createProfileMetrics(registry: Registry): ProfileMetrics {
  return {
    lookupDuration: new Histogram({
      name: 'sillage_profiles_lookup_duration_seconds',
      help: 'Profile and recommendation lookups, from request to answer',
      labelNames: ['route'],
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    lookups: new Counter({
      name: 'sillage_profiles_lookups_total',
      help: 'Profile and recommendation lookups by outcome (docs/profiles.md#metrics)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    refreshLag: new Gauge({
      name: 'sillage_profiles_refresh_lag_seconds',
      help: 'Age of the stream attributes: now minus the watermark of the last completed refresh',
      registers: [registry],
    }),
    refreshDuration: new Histogram({
      name: 'sillage_profiles_job_duration_seconds',
      help: 'Duration of one run of a profiles job (refresh, scores, recommendations)',
      labelNames: ['job'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
      registers: [registry],
    }),
    jobFailures: new Counter({
      name: 'sillage_profiles_job_failures_total',
      help: 'Failed runs of a profiles job',
      labelNames: ['job'],
      registers: [registry],
    }),
  }
}
