import type { Logger } from '@sillage/runtime'
import type { Warehouse } from '@sillage/warehouse'
import { createAudienceDefStore, type StoredAudience } from '../adapters/clickhouse-audience-defs.js'
import type { ActivationDefinitions } from '../domain/activation-file.js'
import { mergeDefinitions, type MergedDefinitions } from '../domain/merge-definitions.js'

/**
 * The audiences defined through the admin API (activation_audiences), kept in memory between
 * reads, merged with the file's by mergeDefinitions (the file wins an id; an API audience that no
 * longer validates against the file is skipped), what is left out logged.
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
    /**
     * The file's definitions with the API audiences as last read (mergeDefinitions); the ones
     * left out are logged.
     */
    merge(file: ActivationDefinitions): MergedDefinitions {
      const merged = mergeDefinitions(file, stored)
      for (const { stored: s, reason, error } of merged.skipped) {
        if (reason === 'shadowed')
          deps.log.warn(
            { audience: s.id },
            'the activation file defines this audience id: the API one is shadowed',
          )
        else
          deps.log.error(
            { err: error, audience: s.id },
            'API audience no longer valid against the file; skipped',
          )
      }
      return merged
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
