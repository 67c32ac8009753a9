import type { FastifyInstance } from 'fastify'
import type { Bus } from '@sillage/bus'
import type { Logger, Registry } from '@sillage/runtime'
import {
  createIdentityRules,
  identifierNormaliser,
  type IdentityRules,
  type Normalise,
  type SuppressionList,
} from '@sillage/identifiers'
import { createPrivacyRepository, type Warehouse } from '@sillage/warehouse'
import { createAdminMetrics } from './metrics.js'
import { createPrivacyService, type PrivacyService } from './pipeline/privacy-service.js'
import { registerPrivacyRoutes } from './routes/privacy.route.js'

export interface PrivacyAdminDeps {
  warehouse: Warehouse
  bus: Bus
  log: Logger
  /** SILLAGE_ADMIN_TOKEN. */
  token: string
  /** The process's own suppression list, when collector and identity run in it (`sillage start`). */
  suppressions?: SuppressionList | undefined
  /** Identity's rules (blocked values, phone calling code), so identifiers normalise as identity stores them. */
  identityRules?: IdentityRules | undefined
  /** `sillage start`: the profiles' runs in flight, which an erasure waits for (privacy-service.ts). */
  jobsInFlight?: (() => Promise<void>) | undefined
  /** Identity's consumer group of events.raw. Default identity. */
  identityGroup?: string | undefined
  drainTimeoutMs?: number | undefined
  /**
   * The process's metrics registry: the admin metrics (metrics.ts) are registered on it, once per
   * registry. Absent, nothing is counted.
   */
  registry?: Registry | undefined
}

/** Identity's normalisation, as the admin API's: the stored form of an identifier, or undefined. */
export function identityNormaliser(rules: IdentityRules = createIdentityRules()): Normalise {
  return identifierNormaliser(rules)
}

/** Builds the privacy service and registers `/admin/privacy/*` on `app`. */
export function registerPrivacyAdmin(app: FastifyInstance, deps: PrivacyAdminDeps): PrivacyService {
  const privacy = createPrivacyService({
    store: createPrivacyRepository(deps.warehouse),
    bus: deps.bus,
    log: deps.log,
    normalise: identityNormaliser(deps.identityRules),
    suppressions: deps.suppressions,
    jobsInFlight: deps.jobsInFlight,
    metrics: deps.registry && createAdminMetrics(deps.registry),
    ...(deps.identityGroup !== undefined && { identityGroup: deps.identityGroup }),
    ...(deps.drainTimeoutMs !== undefined && { drainTimeoutMs: deps.drainTimeoutMs }),
  })
  registerPrivacyRoutes(app, { token: deps.token, privacy })
  return privacy
}
