import type { Bus } from '@sillage/bus'
import type { SuppressionList } from '@sillage/identifiers'
import { followSuppressions, type SuppressionFeed } from '@sillage/identifiers/follow'
import type { Logger, Registry } from '@sillage/runtime'
import type { Warehouse } from '@sillage/warehouse'
import type { EventRow } from './domain/event-row.js'
import type { IdentityRules } from '@sillage/identifiers'
import { createIdentityService, type IdentityService } from './pipeline/identity-service.js'

export interface IdentityStackDeps {
  bus: Bus
  warehouse: Warehouse
  log: Logger
  registry: Registry
  rules: IdentityRules
  /** Consumer group of events.raw. Default identity. */
  group?: string
  maxBatchRecords?: number
  /** Called with each batch's rows once stored (the live debugger of `sillage start`). */
  onStored?: (rows: readonly EventRow[]) => void
  /** Consumer group prefix of the suppression follower. Default `<group>.suppressions`. */
  suppressionGroupPrefix?: string
}

export interface IdentityStack {
  readonly rules: IdentityRules
  /** The erased identifiers, once `start()` resolved; `sillage start` shares them with its other services. */
  readonly suppressions: SuppressionList
  /** Reads the suppression list whole, then joins the consumer groups. */
  start(): Promise<void>
  /** Lets the batch in flight finish (inserts, then offsets), leaves the groups, stops following. */
  stop(): Promise<void>
}

/**
 * Identity's wiring, called by its own main.ts and by `sillage start`. The bus and the warehouse
 * are the caller's, migrated and with their topics ensured; it closes them after `stop()`.
 */
export function createIdentityStack(deps: IdentityStackDeps): IdentityStack {
  const group = deps.group ?? 'identity'
  let feed: SuppressionFeed | undefined
  let identity: IdentityService | undefined
  return {
    rules: deps.rules,
    get suppressions(): SuppressionList {
      if (!feed) throw new Error('identity stack: suppressions read before start()')
      return feed.list
    },
    async start() {
      // Erased identifiers (docs/privacy.md): read whole before consuming, then followed.
      feed = await followSuppressions(deps.bus, {
        groupPrefix: deps.suppressionGroupPrefix ?? `${group}.suppressions`,
        // National phone numbers in events match an erased one only with identity's calling code.
        ...(deps.rules.phoneCountryCode !== undefined && { phoneCountryCode: deps.rules.phoneCountryCode }),
      })
      identity = createIdentityService({
        bus: deps.bus,
        warehouse: deps.warehouse,
        log: deps.log,
        registry: deps.registry,
        group,
        rules: deps.rules,
        suppressions: feed.list,
        ...(deps.maxBatchRecords !== undefined && { maxBatchRecords: deps.maxBatchRecords }),
        ...(deps.onStored && { onStored: deps.onStored }),
      })
      await identity.start()
    },
    async stop() {
      await identity?.stop()
      await feed?.stop()
    },
  }
}
