import type { Consent, EventContext, SillageEvent } from '@sillage/schemas'
import { parseIsoMs } from './iso-date.js'

/**
 * The common event shapes (track, page, screen, identify), checked by hand: the same verdict and
 * the same output as the zod schema (schemas/src/event.ts), at a fraction of its cost on the hot
 * path. Anything it is not sure about (another type, externalIds, a value of the wrong type, a
 * date to check) returns undefined, and the zod schema decides and explains. A property test
 * (fast-parse.test.ts) holds the two to the same answers.
 */

type Dict = Record<string, unknown>

const MAX_ID = 512
const MAX_NAME = 512
const MIN_DATE_MS = 0
const MAX_DATE_MS = Date.UTC(2100, 0, 1)
const CANONICAL_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v)
const isStr = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max

/** undefined: not sure (let zod decide). */
function date(v: unknown): string | undefined {
  if (typeof v !== 'string' || !CANONICAL_DATE.test(v)) return undefined
  const ms = parseIsoMs(v)
  return ms >= MIN_DATE_MS && ms <= MAX_DATE_MS ? v : undefined
}

const FAIL = Symbol('fail')

function id(v: unknown): string | null | undefined | typeof FAIL {
  if (v === undefined || v === null) return v
  if (typeof v === 'string') return v.length <= MAX_ID ? v : FAIL
  // Beyond 2^53 zod explains the refusal (schemas/src/event.ts).
  if (typeof v === 'number' && Math.abs(v) <= Number.MAX_SAFE_INTEGER) return String(v)
  return FAIL
}

const CONTEXT_STRINGS: ReadonlyArray<[string, number]> = [
  ['ip', 64],
  ['userAgent', 1024],
  ['locale', 64],
  ['timezone', 64],
]
const PAGE: ReadonlyArray<[string, number]> = [
  ['url', 4096],
  ['path', 4096],
  ['referrer', 4096],
  ['title', 1024],
  ['search', 4096],
]
const CAMPAIGN: ReadonlyArray<[string, number]> = ['name', 'source', 'medium', 'term', 'content'].map(
  (k) => [k, MAX_NAME] as [string, number],
)
const LIBRARY: ReadonlyArray<[string, number]> = [
  ['name', 128],
  ['version', 64],
]

function stringsOk(o: Dict, fields: ReadonlyArray<[string, number]>): boolean {
  for (const [k, max] of fields) {
    const v = o[k]
    if (v !== undefined && !isStr(v, max)) return false
  }
  return true
}

function consent(v: unknown): Consent | undefined {
  if (!isDict(v)) return undefined
  const out: Consent = {}
  const { categories, policyVersion, gpc, dnt } = v
  if (categories !== undefined) {
    if (!Array.isArray(categories) || categories.length > 32) return undefined
    for (const c of categories) if (!isStr(c, 64)) return undefined
    out.categories = categories as string[]
  }
  if (policyVersion !== undefined) {
    if (!isStr(policyVersion, 64)) return undefined
    out.policyVersion = policyVersion
  }
  if (gpc !== undefined) {
    if (typeof gpc !== 'boolean') return undefined
    out.gpc = gpc
  }
  if (dnt !== undefined) {
    if (typeof dnt !== 'boolean') return undefined
    out.dnt = dnt
  }
  return out
}

/** A new context object (enrichment completes it in place); nested objects kept as they are. */
function context(v: unknown): EventContext | undefined {
  if (!isDict(v) || v['externalIds'] !== undefined) return undefined
  if (!stringsOk(v, CONTEXT_STRINGS)) return undefined
  const sessionId = v['sessionId']
  if (sessionId !== undefined && !isStr(sessionId, MAX_ID) && typeof sessionId !== 'number') return undefined
  for (const [key, fields] of [
    ['page', PAGE],
    ['campaign', CAMPAIGN],
    ['library', LIBRARY],
  ] as const) {
    const sub = v[key]
    if (sub !== undefined && (!isDict(sub) || !stringsOk(sub, fields))) return undefined
  }
  const out: Dict = { ...v }
  if (v['consent'] !== undefined) {
    const c = consent(v['consent'])
    if (!c) return undefined
    out['consent'] = c
  }
  return out as EventContext
}

/** `sentAt`: the batch's, for an event without its own (read, not copied into `input`). */
export function fastParse(input: Dict, sentAt?: string): SillageEvent | undefined {
  const type = input['type']
  if (type !== 'track' && type !== 'page' && type !== 'screen' && type !== 'identify') return undefined
  const out: Dict = { type }

  const messageId = input['messageId']
  if (messageId !== undefined) {
    if (typeof messageId !== 'string' || messageId.length < 1 || messageId.length > MAX_ID) return undefined
    out['messageId'] = messageId
  }
  for (const key of ['anonymousId', 'userId'] as const) {
    if (!(key in input)) continue
    const v = id(input[key])
    if (v === FAIL) return undefined
    out[key] = v
  }
  for (const key of ['timestamp', 'originalTimestamp', 'sentAt'] as const) {
    const v = key === 'sentAt' ? (input[key] === undefined ? sentAt : input[key]) : input[key]
    if (v === undefined) continue
    const d = date(v)
    if (d === undefined) return undefined
    out[key] = d
  }
  if (input['context'] !== undefined) {
    const c = context(input['context'])
    if (!c) return undefined
    out['context'] = c
  }
  const integrations = input['integrations']
  if (integrations !== undefined) {
    if (!isDict(integrations)) return undefined
    out['integrations'] = integrations
  }
  const version = input['version']
  if (version !== undefined) {
    if (typeof version !== 'string' && typeof version !== 'number') return undefined
    out['version'] = version
  }
  const channel = input['channel']
  if (channel !== undefined) {
    if (!isStr(channel, 64)) return undefined
    out['channel'] = channel
  }

  if (type === 'track') {
    const event = input['event']
    if (typeof event !== 'string' || event.length < 1 || event.length > MAX_NAME) return undefined
    out['event'] = event
  }
  if (type === 'page' || type === 'screen') {
    for (const key of type === 'page' ? (['name', 'category'] as const) : (['name'] as const)) {
      if (!(key in input)) continue
      const v = input[key]
      if (v !== null && v !== undefined && !isStr(v, MAX_NAME)) return undefined
      out[key] = v
    }
  }
  const bag = type === 'identify' ? 'traits' : 'properties'
  const dict = input[bag]
  if (dict !== undefined) {
    if (!isDict(dict)) return undefined
    out[bag] = dict
  }
  return out as SillageEvent
}
