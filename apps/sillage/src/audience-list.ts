import type { MergedDefinitions } from '@sillage/activation'

/** One line of `sillage audiences list`. */
export interface AudienceLine {
  id: string
  name: string
  rule?: string
  sql?: string
  destinations: string[]
  /** Where it is defined: the activation file, or the admin API (`/admin/audiences`). */
  source: 'file' | 'api'
  /** An API audience's version and last change. */
  version?: number
  updatedAt?: string
  /** An API audience that is not evaluated: the file defines its id, or it no longer validates. */
  skipped?: 'shadowed' | 'invalid'
}

type Fields = Record<string, unknown>

function line(f: Fields, source: 'file' | 'api', extra: Partial<AudienceLine> = {}): AudienceLine {
  const id = String(f['id'])
  return {
    id,
    name: typeof f['name'] === 'string' ? f['name'] : id,
    ...(typeof f['rule'] === 'string' ? { rule: f['rule'] } : { sql: String(f['sql']) }),
    destinations: Array.isArray(f['destinations']) ? f['destinations'].map(String) : [],
    source,
    ...extra,
  }
}

/**
 * The audiences as activation runs them (the file's, then the API's), with those the API holds but
 * activation leaves out at the end.
 */
export function audienceLines(merged: MergedDefinitions): AudienceLine[] {
  const evaluated = merged.audiences.map((a) => {
    const origin = merged.origins.get(a.id)
    return origin?.source === 'api'
      ? line(a, 'api', { version: origin.version, updatedAt: origin.updatedAt })
      : line(a, 'file')
  })
  const skipped = merged.skipped.map(({ stored, reason }) =>
    line({ ...stored.definition, id: stored.id }, 'api', {
      version: stored.version,
      updatedAt: stored.updatedAt,
      skipped: reason,
    }),
  )
  return [...evaluated, ...skipped]
}

/** The same lines from a running `sillage start`'s `GET /admin/audiences` (its runner merged them). */
export function audienceLinesFromAdminApi(body: { audiences: Fields[] }): AudienceLine[] {
  const lines = body.audiences.map((a) => {
    if (a['origin'] !== 'api') return line(a, 'file')
    const extra: Partial<AudienceLine> = {
      version: Number(a['version']),
      updatedAt: String(a['updatedAt']),
      ...(a['valid'] === false && { skipped: a['shadowed'] === true ? 'shadowed' : 'invalid' }),
    }
    return line(a, 'api', extra)
  })
  return [...lines.filter((l) => !l.skipped), ...lines.filter((l) => l.skipped)]
}
