/**
 * Compiles an audience (a rule AST, or an admin's SQL) to the query that lists its members. Pure.
 *
 * - Rules name only the attributes of ATTRIBUTES below; every literal becomes a query parameter
 *   (`{p0:String}`), never SQL text. Only the sources a rule needs are joined.
 * - Every audience, rule or SQL, is intersected with `consent_current.marketing_contactable`: a
 *   person without marketing consent (or erased, so without events) is never a member.
 */
import { attributesOf, type RuleNode, type Value } from './audience-rule.js'
import { sqlShapeProblem } from './sql-shape.js'

export type AttributeType = 'string' | 'number' | 'boolean'
type Source = 'consent' | 'rfm' | 'seen' | 'propensity'

export interface Attribute {
  type: AttributeType
  source: Source
  /** A ClickHouse expression over the source's alias. */
  sql: string
  doc: string
  /** Whether an event can change it for one person (stream evaluation, audience-stream.ts). */
  stream: boolean
}

/** The whitelist: the only names a rule may use (docs/activation.md lists them). */
export const ATTRIBUTES: Readonly<Record<string, Attribute>> = Object.freeze({
  'consent.marketing': {
    type: 'boolean',
    source: 'consent',
    sql: 'c.marketing_contactable',
    doc: 'marketing consent granted',
    stream: true,
  },
  'consent.analytics': {
    type: 'boolean',
    source: 'consent',
    sql: 'c.analytics_granted',
    doc: 'analytics consent granted',
    stream: true,
  },
  rfm_segment: {
    type: 'string',
    source: 'rfm',
    sql: "if(r.person_id != '', r.segment, 'prospect')",
    doc: 'RFM segment (champions … dormant), prospect without an order',
    stream: false,
  },
  last_order_days: {
    type: 'number',
    source: 'rfm',
    sql: "if(r.person_id != '', r.recency_days, NULL)",
    doc: 'days since the last order (no order: never matches)',
    stream: true,
  },
  orders: { type: 'number', source: 'rfm', sql: 'r.frequency', doc: 'orders placed', stream: true },
  revenue: { type: 'number', source: 'rfm', sql: 'r.monetary', doc: 'revenue of all orders', stream: true },
  r_score: {
    type: 'number',
    source: 'rfm',
    sql: 'r.r_score',
    doc: 'RFM recency score 1–5 (0: no order)',
    stream: false,
  },
  f_score: { type: 'number', source: 'rfm', sql: 'r.f_score', doc: 'RFM frequency score 1–5', stream: false },
  m_score: { type: 'number', source: 'rfm', sql: 'r.m_score', doc: 'RFM monetary score 1–5', stream: false },
  last_seen_days: {
    type: 'number',
    source: 'seen',
    sql: "if(s.person_id != '', dateDiff('day', s.last_seen, now64(3)), NULL)",
    doc: 'days since the last event',
    stream: true,
  },
  first_seen_days: {
    type: 'number',
    source: 'seen',
    sql: "if(s.person_id != '', dateDiff('day', s.first_seen, now64(3)), NULL)",
    doc: 'days since the first event',
    stream: true,
  },
  propensity_30d: {
    type: 'number',
    source: 'propensity',
    sql: "if(p.person_id != '', p.propensity_30d, NULL)",
    doc: 'probability of an order in the next 30 days',
    stream: false,
  },
})

const JOINS: Record<Exclude<Source, 'consent'>, (db: string) => string> = {
  rfm: (db) =>
    `LEFT JOIN (SELECT person_id, segment, recency_days, frequency, monetary, r_score, f_score, m_score FROM ${db}.rfm_segments) AS r ON r.person_id = c.person_id`,
  seen: (db) =>
    `LEFT JOIN (SELECT person_id, first_seen, last_seen FROM ${db}.persons) AS s ON s.person_id = c.person_id`,
  propensity: (db) =>
    `LEFT JOIN (SELECT person_id, propensity_30d FROM ${db}.propensity_scores) AS p ON p.person_id = c.person_id`,
}

/**
 * The same sources for a given set of persons ({persons:Array(String)}): what stream evaluation
 * runs. Orders, revenue and recency are aggregated from the persons' own orders (the values
 * rfm_segments has for them, without scoring the whole population).
 */
const PERSON_JOINS: Record<Exclude<Source, 'consent'>, (db: string) => string> = {
  rfm: (db) =>
    `LEFT JOIN (SELECT person_id, dateDiff('day', max(ordered_at), now64(3)) AS recency_days, count() AS frequency, round(sum(revenue), 2) AS monetary FROM ${db}.orders WHERE person_id IN {persons:Array(String)} AND ordered_at < now64(3) GROUP BY person_id) AS r ON r.person_id = c.person_id`,
  seen: (db) =>
    `LEFT JOIN (SELECT person_id, first_seen, last_seen FROM ${db}.persons WHERE person_id IN {persons:Array(String)}) AS s ON s.person_id = c.person_id`,
  propensity: JOINS.propensity,
}

/** A rule naming an unknown attribute or comparing with a value of the wrong type. */
export class RuleCompileError extends Error {
  readonly code = 'SIL_AUDIENCE_RULE'
  constructor(message: string) {
    super(message)
    this.name = 'RuleCompileError'
  }
}

export interface CompiledQuery {
  sql: string
  params: Record<string, unknown>
}

const CH_TYPE: Record<AttributeType, string> = { string: 'String', number: 'Float64', boolean: 'Bool' }

const DATABASE = /^[A-Za-z_][A-Za-z0-9_]*$/

function checkDatabase(db: string): void {
  if (!DATABASE.test(db)) throw new RuleCompileError(`invalid database name ${JSON.stringify(db)}`)
}

/** The rule's members: `SELECT person_id` over consent_current and the sources it names. */
export function compileRule(
  rule: RuleNode,
  db: string,
  opts: { persons?: readonly string[] } = {},
): CompiledQuery {
  checkDatabase(db)
  const params: Record<string, unknown> = {}
  const param = (type: AttributeType, value: Value | Value[], name: string): string => {
    const key = `p${Object.keys(params).length}`
    const values = Array.isArray(value) ? value : [value]
    for (const v of values) {
      if (typeof v !== (type === 'string' ? 'string' : type === 'number' ? 'number' : 'boolean'))
        throw new RuleCompileError(`${name} is a ${type}; ${JSON.stringify(v)} is not`)
    }
    params[key] = value
    return Array.isArray(value) ? `{${key}:Array(${CH_TYPE[type]})}` : `{${key}:${CH_TYPE[type]}}`
  }
  const attr = (name: string): Attribute => {
    const a = ATTRIBUTES[name]
    if (!a)
      throw new RuleCompileError(
        `unknown attribute ${JSON.stringify(name)} (known: ${Object.keys(ATTRIBUTES).join(', ')})`,
      )
    return a
  }
  const emit = (n: RuleNode): string => {
    switch (n.kind) {
      case 'and':
      case 'or':
        return `(${n.items.map(emit).join(n.kind === 'and' ? ' AND ' : ' OR ')})`
      case 'not':
        return `(NOT ${emit(n.item)})`
      case 'truthy': {
        const a = attr(n.attr)
        if (a.type !== 'boolean')
          throw new RuleCompileError(`${n.attr} is a ${a.type}: compare it with a value`)
        return `(${a.sql})`
      }
      case 'compare': {
        const a = attr(n.attr)
        if (a.type !== 'number' && !['=', '!='].includes(n.op))
          throw new RuleCompileError(`${n.attr} is a ${a.type}: only = and != apply`)
        return `(${a.sql} ${n.op} ${param(a.type, n.value, n.attr)})`
      }
      case 'in': {
        const a = attr(n.attr)
        const has = `has(${param(a.type, n.values, n.attr)}, ${a.sql})`
        return n.negated ? `(NOT ${has})` : has
      }
    }
  }
  const where = emit(rule)
  const sources = new Set([...attributesOf(rule)].map((name) => attr(name).source))
  const scoped = opts.persons !== undefined
  const joins = (['rfm', 'seen', 'propensity'] as const)
    .filter((s) => sources.has(s))
    .map((s) => (scoped ? PERSON_JOINS : JOINS)[s](db))
  const only = scoped ? ' WHERE person_id IN {persons:Array(String)}' : ''
  const sql = [
    `SELECT c.person_id AS person_id`,
    `FROM (SELECT person_id, marketing_contactable, analytics_granted FROM ${db}.consent_current${only}) AS c`,
    ...joins,
    `WHERE c.marketing_contactable AND ${where}`,
  ].join('\n')
  return { sql, params: scoped ? { ...params, persons: opts.persons } : params }
}

/**
 * An admin's SQL (over the analyst models, returning person_id), wrapped and intersected with
 * marketing consent. It runs read-only; one trailing semicolon is dropped, and a query that
 * could step out of the wrapper (sql-shape.ts) is refused.
 */
export function compileSql(userSql: string, db: string): CompiledQuery {
  checkDatabase(db)
  const body = userSql.trim().replace(/;\s*$/, '')
  const problem = sqlShapeProblem(body)
  if (problem) throw new RuleCompileError(problem)
  const sql = [
    `SELECT DISTINCT q.person_id AS person_id`,
    `FROM (SELECT person_id FROM (${body})) AS q`,
    `INNER JOIN (SELECT person_id FROM ${db}.consent_current WHERE marketing_contactable) AS c ON c.person_id = q.person_id`,
  ].join('\n')
  return { sql, params: {} }
}
