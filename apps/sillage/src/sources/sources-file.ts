import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { sourcesSchema, type Source } from '@sillage/schemas'

/** A problem with what the user asked (exit 2 with the message, no stack). */
export class SourcesError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SourcesError'
  }
}

/** The JSON form of a source, as the file holds it (schema input, before defaults). */
export type SourceInput = Record<string, unknown> & { id: string; writeKey: string }

/** Browser keys are public (`wk_`), server keys secret (`sk_`): the prefix tells which is which. */
export function newWriteKey(type: 'browser' | 'server'): string {
  return `${type === 'browser' ? 'wk' : 'sk'}_${randomBytes(24).toString('base64url')}`
}

export function readSourcesFile(file: string): SourceInput[] {
  if (!existsSync(file)) return []
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new SourcesError(`${file}: not valid JSON (${(err as Error).message})`)
  }
  const parsed = sourcesSchema.safeParse(raw)
  if (!parsed.success) {
    throw new SourcesError(
      `${file}: ${parsed.error.issues.map((i) => `[${i.path.join('.')}] ${i.message}`).join('; ')}`,
    )
  }
  // Kept as written (not with the schema's defaults filled in), so the file stays the user's.
  return raw as SourceInput[]
}

/** Validates, then replaces the file atomically (mode 0600: server keys are secrets). */
export function writeSourcesFile(file: string, sources: readonly SourceInput[]): Source[] {
  const parsed = sourcesSchema.safeParse(sources)
  if (!parsed.success) {
    throw new SourcesError(parsed.error.issues.map((i) => `[${i.path.join('.')}] ${i.message}`).join('; '))
  }
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(`${file}.tmp`, JSON.stringify(sources, null, 2) + '\n', { mode: 0o600 })
  renameSync(`${file}.tmp`, file)
  return parsed.data
}

export interface CreateSourceOptions {
  id: string
  type: 'browser' | 'server'
  allowedOrigins?: string[]
  consentRequired?: string | undefined
  rateLimitPerMinute?: number | undefined
  keepFullIp?: boolean
}

export function createSource(sources: readonly SourceInput[], opts: CreateSourceOptions): SourceInput[] {
  if (sources.some((s) => s.id === opts.id)) throw new SourcesError(`source "${opts.id}" already exists`)
  const source: SourceInput = { id: opts.id, writeKey: newWriteKey(opts.type), type: opts.type }
  if (opts.type === 'browser') source['allowedOrigins'] = opts.allowedOrigins ?? []
  if (opts.consentRequired) source['consent'] = { required: opts.consentRequired }
  if (opts.rateLimitPerMinute !== undefined) source['rateLimit'] = { perMinute: opts.rateLimitPerMinute }
  if (opts.keepFullIp) source['keepFullIp'] = true
  return [...sources, source]
}

/**
 * Gives source `id` a new write key. The old one is kept in `previousWriteKeys` until now + grace
 * (the collector accepts it until then: cached pages and deployed servers keep working while they
 * move to the new key); a grace of 0 revokes it at once. Expired previous keys are dropped.
 */
export function rotateSource(
  sources: readonly SourceInput[],
  id: string,
  graceMs: number,
  now = Date.now(),
): { sources: SourceInput[]; writeKey: string; previousExpiresAt: string | undefined } {
  const source = sources.find((s) => s.id === id)
  if (!source) throw new SourcesError(`no source "${id}"`)
  const type = source['type'] === 'browser' ? 'browser' : 'server'
  const writeKey = newWriteKey(type)
  const stillValid = previousKeys(source).filter((p) => Date.parse(p.expiresAt) > now)
  const previousExpiresAt = graceMs > 0 ? new Date(now + graceMs).toISOString() : undefined
  const previous = previousExpiresAt
    ? [...stillValid, { writeKey: source.writeKey, expiresAt: previousExpiresAt }]
    : stillValid
  const rotated: SourceInput = { ...source, writeKey, previousWriteKeys: previous }
  if (previous.length === 0) delete rotated['previousWriteKeys']
  return { sources: sources.map((s) => (s.id === id ? rotated : s)), writeKey, previousExpiresAt }
}

export function previousKeys(source: SourceInput): { writeKey: string; expiresAt: string }[] {
  const list = source['previousWriteKeys']
  return Array.isArray(list) ? (list as { writeKey: string; expiresAt: string }[]) : []
}

/** "7d", "36h", "90m", "0": the grace period of a rotation. */
export function parseDuration(text: string): number {
  const m = /^(\d+)([dhm]?)$/.exec(text.trim())
  if (!m) throw new SourcesError(`"${text}" is not a duration: use e.g. 7d, 36h, 90m or 0`)
  const n = Number(m[1])
  const unit = m[2] === 'd' ? 86_400_000 : m[2] === 'h' ? 3_600_000 : m[2] === 'm' ? 60_000 : 0
  if (n !== 0 && unit === 0) throw new SourcesError(`"${text}": give a unit (d, h or m)`)
  return n * unit
}

/** Server keys are secrets: shown as their first characters unless asked. */
export function maskKey(key: string, type: unknown): string {
  return type === 'browser' ? key : `${key.slice(0, 7)}…`
}
