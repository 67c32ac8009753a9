/**
 * The definitions activation runs: the activation file's, and the audiences defined through the
 * admin API beside them (docs/activation.md, "How the file and the API coexist"). Pure: the file
 * parsed and the API's latest versions read by the caller. Every reader of the merged definitions
 * (the runner, the admin API, `sillage audiences`, the dashboard) goes through mergeDefinitions.
 */
import { parseAudienceDefinition, type ActivationDefinitions, type AudienceDef } from './activation-file.js'

/** One API audience's latest version (activation_audiences). */
export interface StoredAudience {
  id: string
  version: number
  /** The audience as JSON (what the activation file would hold). */
  definition: Record<string, unknown>
  deleted: boolean
  updatedAt: string
}

/** Where an audience of the merged definitions is defined. */
export type AudienceOrigin = { source: 'file' } | { source: 'api'; version: number; updatedAt: string }

/** An API audience that is not evaluated: the file defines its id, or it no longer validates. */
export interface SkippedAudience {
  stored: StoredAudience
  reason: 'shadowed' | 'invalid'
  error?: Error
}

export interface MergedDefinitions extends ActivationDefinitions {
  /** The origin of each audience of `audiences`, by id. */
  origins: ReadonlyMap<string, AudienceOrigin>
  /** The API audiences left out (deleted ones are simply absent). */
  skipped: readonly SkippedAudience[]
}

/**
 * The file's audiences first, then the API's (latest versions, deleted ones dropped), each parsed
 * against the file's destinations by the file's own parser. The file owns its ids: an API audience
 * with one is shadowed; one that no longer validates (a destination left the file) is skipped.
 */
export function mergeDefinitions(
  file: ActivationDefinitions,
  stored: readonly StoredAudience[],
): MergedDefinitions {
  const origins = new Map<string, AudienceOrigin>(file.audiences.map((a) => [a.id, { source: 'file' }]))
  const destinations = new Set(file.destinations.map((d) => d.id))
  const api: AudienceDef[] = []
  const skipped: SkippedAudience[] = []
  for (const s of stored) {
    if (s.deleted) continue
    if (origins.has(s.id)) {
      skipped.push({ stored: s, reason: 'shadowed' })
      continue
    }
    try {
      api.push(parseAudienceDefinition(s.definition, destinations))
      origins.set(s.id, { source: 'api', version: s.version, updatedAt: s.updatedAt })
    } catch (err) {
      skipped.push({ stored: s, reason: 'invalid', error: err as Error })
    }
  }
  return { ...file, audiences: [...file.audiences, ...api], origins, skipped }
}
