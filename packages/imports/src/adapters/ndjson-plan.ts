import { parseJsonExact } from '../domain/exact-json.js'
import type { Row } from '../domain/values.js'
import { fileChunks } from './file-chunks.js'
import type { QueryEngine } from './query-engine.js'
import { firstLine, ORDER, type Plan, type PlanParams } from './read-plan.js'
import { scanText } from './text-scan.js'

const isObject = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v)

const kindOf = (v: unknown): string =>
  Array.isArray(v) ? 'an array' : v === null ? 'null' : `a ${typeof v === 'object' ? 'value' : typeof v}`

/**
 * NDJSON, one object per line, each line parsed here (no type inference over the first rows; an
 * integer past 2^53 kept as its exact digits, parseJsonExact). A line is a row: one that is not a
 * JSON object (cut short, an unbalanced brace, an array, a number) is refused alone, as Segment's,
 * RudderStack's and PostHog's batch imports refuse one bad line, since the next line starts the
 * next row whatever this one holds. Blank lines are not rows.
 */
const LINES = `file({path:String}, 'LineAsString', 'line String', {compression:String})`
const NOT_BLANK = `match(line, '\\\\S')`
const LINES_PLAN: Omit<Plan, 'params'> = {
  countSql: `SELECT count() AS n FROM ${LINES} WHERE ${NOT_BLANK} SETTINGS ${ORDER}`,
  rowsSql: `SELECT line FROM ${LINES} WHERE ${NOT_BLANK} OFFSET {skip:UInt64} SETTINGS ${ORDER}`,
  decode(raw) {
    const json = String(raw['line'] ?? '').replace(/^\uFEFF/, '')
    let value: unknown
    try {
      value = parseJsonExact(json)
    } catch (err) {
      const why = err instanceof Error ? `: ${err.message}` : ''
      return {
        row: { json },
        problem: `not valid JSON (a line cut short, an unbalanced brace or quote?)${why}`,
      }
    }
    return isObject(value)
      ? { row: value }
      : { row: { json }, problem: `not a JSON object but ${kindOf(value)}` }
  },
}

/**
 * A `.json` document (a JSON array of objects, or objects spread over several lines) is read by
 * the engine's JSONAsString: there a broken object leaves no line to resume at, and stops the import.
 */
const DOCUMENT = `file({path:String}, 'JSONAsString', 'json String', {compression:String})`
const DOCUMENT_PLAN: Omit<Plan, 'params'> = {
  countSql: `SELECT count() AS n FROM ${DOCUMENT} SETTINGS ${ORDER}`,
  rowsSql: `SELECT json FROM ${DOCUMENT} OFFSET {skip:UInt64} SETTINGS ${ORDER}`,
  decode(raw) {
    const json = String(raw['json'] ?? '')
    let value: unknown
    try {
      value = parseJsonExact(json)
    } catch {
      return { row: { json }, problem: 'not valid JSON' }
    }
    return isObject(value) ? { row: value } : { row: { json }, problem: 'not a JSON object' }
  },
}

/** Lines, unless the first line opens a document (`[`, or a `{` alone on its line). */
export async function ndjsonPlan(engine: QueryEngine, params: PlanParams, file: string): Promise<Plan> {
  const chunks = fileChunks(params.path, params.compression, file)
  if (chunks) await scanText(chunks, file)
  const first = await firstLine(engine, params, file)
  const head = first.replace(/^\uFEFF/, '').trim()
  const document = head.startsWith('[') || head === '{'
  return { ...(document ? DOCUMENT_PLAN : LINES_PLAN), params }
}
