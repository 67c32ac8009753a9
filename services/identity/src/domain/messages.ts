import type { EdgeInput, GraphDelta, GraphRecord, Login } from './identity-graph.js'

/**
 * The wire format of identity.edges and identity.changelog (JSON values; compact field names,
 * since the changelog is replayed at every start).
 *
 * identity.edges (one partition), value:
 *   {"k":"edge","src":[topic,partition,offset],"m":messageId,"ts":timestamp,"ids":[[type,value],…],"login":[anonymousId,userId]}
 *   {"k":"barrier","n":nonce}
 *
 * identity.changelog (one partition, compacted), key → value:
 *   i:<type>:<value>        → {"p":person,"v":version,"l":[[partition,offset,person],…]}
 *   o:<old person>          → {"p":surviving person,"v":version}
 *   s:<topic>:<partition>   → {"o":last applied offset,"v":version}
 *   b                       → {"n":nonce}   (a barrier, echoed by the resolver)
 *   i:… or o:…              → empty          (a tombstone: an erasure, docs/privacy.md)
 */

export type EdgeMessage = { kind: 'edge'; edge: EdgeInput } | { kind: 'barrier'; nonce: string }

export type ChangelogMessage = GraphRecord | { kind: 'barrier'; nonce: string }

export interface KeyedValue {
  key: string
  value: Buffer
}

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v), 'utf8')

export function encodeEdge(edge: EdgeInput): Buffer {
  const body: Record<string, unknown> = {
    k: 'edge',
    src: [edge.src.topic, edge.src.partition, edge.src.offset],
    m: edge.messageId,
    ts: edge.timestamp,
    ids: edge.ids.map((id) => [id.type, id.value]),
  }
  if (edge.login) body['login'] = [edge.login.anonymous, edge.login.user]
  return json(body)
}

export const encodeEdgeBarrier = (nonce: string): Buffer => json({ k: 'barrier', n: nonce })

type Raw = Record<string, unknown>
const isStr = (v: unknown): v is string => typeof v === 'string'
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

/** Undefined for a message this version does not understand (it is skipped, and logged). */
export function decodeEdge(value: Buffer): EdgeMessage | undefined {
  const m = parse(value)
  if (!m) return undefined
  if (m['k'] === 'barrier') return isStr(m['n']) ? { kind: 'barrier', nonce: m['n'] } : undefined
  if (m['k'] !== 'edge') return undefined
  const src = m['src']
  const ids = m['ids']
  if (!Array.isArray(src) || !isStr(src[0]) || !isNum(src[1]) || !isNum(src[2])) return undefined
  if (!Array.isArray(ids) || !isStr(m['m']) || !isStr(m['ts'])) return undefined
  const parsedIds = []
  for (const pair of ids) {
    if (!Array.isArray(pair) || !isStr(pair[0]) || !isStr(pair[1])) return undefined
    parsedIds.push({ type: pair[0], value: pair[1] })
  }
  const login = m['login']
  return {
    kind: 'edge',
    edge: {
      src: { topic: src[0], partition: src[1], offset: src[2] },
      messageId: m['m'],
      timestamp: m['ts'],
      ids: parsedIds,
      login:
        Array.isArray(login) && isStr(login[0]) && isStr(login[1])
          ? { anonymous: login[0], user: login[1] }
          : undefined,
    },
  }
}

/** A resolver batch's changes as changelog records: identifiers, then overrides, then sources. */
export function encodeDelta(delta: GraphDelta): KeyedValue[] {
  const out: KeyedValue[] = []
  for (const c of delta.identities) {
    const body: Record<string, unknown> = { p: c.person, v: c.version }
    if (c.logins) body['l'] = c.logins.map((l) => [l.partition, l.offset, l.person])
    out.push({ key: `i:${c.type}:${c.value}`, value: json(body) })
  }
  for (const c of delta.overrides)
    out.push({ key: `o:${c.oldPersonId}`, value: json({ p: c.personId, v: c.version }) })
  for (const c of delta.sources) {
    out.push({ key: `s:${c.topic}:${c.partition}`, value: json({ o: c.offset, v: c.version }) })
  }
  return out
}

export const BARRIER_KEY = 'b'
export const encodeChangelogBarrier = (nonce: string): KeyedValue => ({
  key: BARRIER_KEY,
  value: json({ n: nonce }),
})

export function decodeChangelog(key: string | null, value: Buffer): ChangelogMessage | undefined {
  if (key === null) return undefined
  if (value.length === 0) {
    if (key.startsWith('i:')) return { kind: 'identity-erased', key: key.slice(2) }
    if (key.startsWith('o:')) return { kind: 'override-erased', oldPersonId: key.slice(2) }
    return undefined
  }
  const m = parse(value)
  if (!m) return undefined
  if (key === BARRIER_KEY) return isStr(m['n']) ? { kind: 'barrier', nonce: m['n'] } : undefined
  const kind = key.slice(0, 2)
  const rest = key.slice(2)
  const version = m['v']
  if (!isNum(version)) return undefined
  if (kind === 'i:' && isStr(m['p'])) {
    const l = m['l']
    let logins: Login[] | undefined
    if (Array.isArray(l)) {
      logins = []
      for (const e of l) {
        if (Array.isArray(e) && isNum(e[0]) && isNum(e[1]) && isStr(e[2])) {
          logins.push({ partition: e[0], offset: e[1], person: e[2] })
        }
      }
    }
    return { kind: 'identity', key: rest, person: m['p'], version, logins }
  }
  if (kind === 'o:' && isStr(m['p']))
    return { kind: 'override', oldPersonId: rest, personId: m['p'], version }
  if (kind === 's:' && isNum(m['o'])) {
    const i = rest.lastIndexOf(':')
    const partition = Number(rest.slice(i + 1))
    if (i < 0 || !Number.isInteger(partition)) return undefined
    return { kind: 'source', topic: rest.slice(0, i), partition, offset: m['o'], version }
  }
  return undefined
}

function parse(value: Buffer): Raw | undefined {
  try {
    const v: unknown = JSON.parse(value.toString('utf8'))
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Raw) : undefined
  } catch {
    return undefined
  }
}
