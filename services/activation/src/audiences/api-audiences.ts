import type { Logger } from '@sillage/runtime'
import type { Warehouse } from '@sillage/warehouse'
import { createAudienceDefStore, type StoredAudience } from '../adapters/clickhouse-audience-defs.js'
import {
  parseAudienceDefinition,
  type ActivationDefinitions,
  type AudienceDef,
} from '../domain/activation-file.js'

/**
 * The audiences defined through the admin API (activation_audiences), kept in memory between
 * reads. An API audience whose id the file also defines is shadowed (the file wins); one that no
 * longer validates against the file (a destination removed from it) is skipped and logged.
 */
export function createApiAudiences(deps: { warehouse: Warehouse; log: Logger; now: () => number }) {
  const store = createAudienceDefStore(deps.warehouse)
  let stored: StoredAudience[] = []
  let chain: Promise<unknown> = Promise.resolve()
  return {
    store,
    /** Re-reads the API audiences from ClickHouse. */
    async refresh(): Promise<StoredAudience[]> {
      stored = await store.latest()
      return stored
    },
    /** The latest versions as last read (deleted ones included). */
    stored: () => stored,
    /** The API audiences that apply beside these file definitions, parsed. */
    merged(file: ActivationDefinitions): AudienceDef[] {
      const fileIds = new Set(file.audiences.map((a) => a.id))
      const destinations = new Set(file.destinations.map((d) => d.id))
      const out: AudienceDef[] = []
      for (const s of stored) {
        if (s.deleted) continue
        if (fileIds.has(s.id)) {
          deps.log.warn(
            { audience: s.id },
            'the activation file defines this audience id: the API one is shadowed',
          )
          continue
        }
        try {
          out.push(parseAudienceDefinition(s.definition, destinations))
        } catch (err) {
          deps.log.error({ err, audience: s.id }, 'API audience no longer valid against the file; skipped')
        }
      }
      return out
    },
    /** Writes run one at a time in this process, so a version check and its write do not interleave. */
    serial<T>(job: () => Promise<T>): Promise<T> {
      const run = chain.then(job, job)
      chain = run.catch(() => undefined)
      return run
    },
  }
}

export type ApiAudiences = ReturnType<typeof createApiAudiences>
