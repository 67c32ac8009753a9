import type { Warehouse } from '@sillage/warehouse'
import type { ProfileText, RecommendationRow, ScoreRow } from '../domain/rows.js'
import { setImmediate } from 'node:timers/promises'
import { ALL_PROFILE_TEXTS_SQL, PROFILE_TEXT_SQL, RUN_PROFILES_SQL } from './refresh-profile.sql.js'
import { createRefreshRunner } from './refresh-run.js'
import { RECOMMENDATIONS_SQL, SCORE_PERSONS_SQL } from './scores.sql.js'

/**
 * The profile store in the warehouse (docs/profiles.md): EmbeddedRocksDB tables written by the
 * jobs with INSERT … SELECT, read by key. The same SQL runs on chDB and on a ClickHouse server.
 */
export interface ProfileStore {
  /** The warehouse clock, 'YYYY-MM-DD hh:mm:ss.sss' UTC: watermarks are taken from it. */
  now(): Promise<string>
  watermark(name: string): Promise<string | undefined>
  setWatermark(name: string, value: string): Promise<void>
  /**
   * Folds the events inserted after `mark` (re-reading from `from`, the overlap) up to `upTo`,
   * at most about `cap` of them, into their persons' states, and rewrites those persons' index
   * entries and profiles; answers the watermark reached, the rewritten persons and the merged ids.
   */
  refresh(run: RefreshRun): Promise<RefreshResult>
  score(asOf: string): Promise<void>
  computeRecommendations(asOf: string, days: number, limit: number): Promise<void>
  /** The person an identifier key ('<type>:<stored value>') belongs to. */
  personOf(idKey: string): Promise<string | undefined>
  /** The stored profile as text, with the keys that name it (as the copy holds it). */
  profile(personId: string): Promise<ProfileText | undefined>
  scores(personId: string): Promise<ScoreRow | undefined>
  /** Recommendation rows of these products ('*' for popularity). */
  recommendations(productIds: readonly string[]): Promise<RecommendationRow[]>
  /** Stored profiles as text, at most `limit` (the reader's copy after a restart). */
  allProfileTexts(limit: number): Promise<ProfileText[]>
  /**
   * Person ids merged into another person, [merged-away id, survivor] from the index
   * (`person_id:<id>` naming another person), at most `limit` (the reader's copy after a restart).
   */
  mergedPersonIds(limit: number): Promise<Array<[string, string]>>
  /** Score rows, at most `limit` (the reader's copy). */
  allScores(limit: number): Promise<ScoreRow[]>
  /** Every product row (the reader's copy). */
  allRecommendations(): Promise<RecommendationRow[]>
  /** Every profile's person and identifiers (the erasure sweep). */
  allIdentifiers(): Promise<Array<{ person_id: string; identifiers: Array<[string, string]> }>>
  /** Removes a person's profile, scores and index entries. */
  remove(personId: string, idKeys: readonly string[]): Promise<void>
}

export interface RefreshRun {
  /** The watermark: events inserted after it are new ('1970-…' for a new store). */
  mark: string
  /** Where the run reads from: the watermark minus the overlap (re-read events fold idempotently). */
  from: string
  /** The warehouse time taken before the run. */
  upTo: string
  /** At most about this many new events a run (a whole insert time more at the bound). */
  cap: number
  /** The run's rewritten profiles to answer, at most (the reader's copy); 0: none. */
  readBack: number
}

export interface RefreshResult {
  /** The new watermark: `upTo`, or the insert time the cap stopped at. */
  reached: string
  /** Stopped by the cap: more events wait. */
  capped: boolean
  /** The rewritten persons. */
  persons: string[]
  /** Their profiles as text, at most `readBack`, read from the run's rows before they go. */
  profiles: ProfileText[]
  /** [merged-away person id, surviving person id]: their state and profile rows were removed. */
  merged: Array<[string, string]>
  /** Milliseconds per step (the debug log). */
  ms: Record<string, number>
  /** Nothing new to fold (no event since `from`, no merge): the run ran no fold step. */
  idle: boolean
}

/** Rows parsed between two yields to the event loop (a read-back). */
const PARSE_PAGE = 200
/**
 * Rows per read-back query, about: one answer is decoded and split into rows at once, holding the
 * thread (6.4 MB took 12–30 ms to decode here; 500 of the bench's profiles are 1.6 MB).
 */
const READ_PAGE = 500

/**
 * `jobThreads`: ClickHouse threads per refresh or scoring statement (max_threads; 0 or unset:
 * the server's default).
 */
export function createProfileStore(warehouse: Warehouse, jobThreads = 0): ProfileStore {
  const db = warehouse.database
  const jobSettings = jobThreads > 0 ? { max_threads: jobThreads } : undefined
  const client = warehouse.client
  const sql = (text: string) => text.replaceAll('{{db}}', db)
  const runProfiles = sql(RUN_PROFILES_SQL)
  const allProfileTexts = sql(ALL_PROFILE_TEXTS_SQL)
  const scorePersons = sql(SCORE_PERSONS_SQL)
  const recommendations = sql(RECOMMENDATIONS_SQL)
  const profileById = sql(PROFILE_TEXT_SQL)
  const scoreById = `SELECT * FROM ${db}.profile_scores WHERE person_id = {p:String}`
  const personByKey = `SELECT person_id FROM ${db}.profile_identifiers WHERE id_key = {k:String}`
  const recsByProduct = `SELECT * FROM ${db}.product_recommendations WHERE product_id IN {ids:Array(String)}`

  // Named tuples as arrays (domain/rows.ts), whatever the server's default.
  const select = (query: string, params: Record<string, unknown>) =>
    client.query({
      query,
      query_params: params,
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_named_tuples_as_objects: 0 },
    })
  async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    return (await select(query, params)).json<T>()
  }
  /**
   * Profile texts, one TabSeparatedRaw line each (RUN_PROFILES_SQL), parsed a page at a time and
   * yielding between pages: lookups on this event loop never wait behind one big parse.
   */
  async function texts(query: string, params: Record<string, unknown>): Promise<ProfileText[]> {
    const out: ProfileText[] = []
    const result = await client.query({
      query,
      query_params: params,
      format: 'TabSeparatedRaw',
      clickhouse_settings: { output_format_json_named_tuples_as_objects: 0 },
    })
    for await (const chunk of result.stream()) {
      for (const { text: line } of chunk) {
        const a = line.indexOf('\t')
        const b = line.indexOf('\t', a + 1)
        const keys = JSON.parse(line.slice(a + 1, b)) as string[]
        out.push({ person_id: line.slice(0, a), keys, text: line.slice(b + 1) })
        if (out.length % PARSE_PAGE === 0) await setImmediate()
      }
    }
    return out
  }
  /**
   * A run's profile texts, at most `n`, a query per page of about READ_PAGE of its `count`
   * persons (pages by a hash of the person id).
   */
  async function runTexts(run: string, n: number, count: number): Promise<ProfileText[]> {
    const pages = Math.max(1, Math.ceil(Math.min(n, count) / READ_PAGE))
    const out: ProfileText[] = []
    for (let page = 0; page < pages && out.length < n; page++) {
      out.push(...(await texts(runProfiles, { run, pages, page })))
    }
    return out.length > n ? out.slice(0, n) : out
  }
  const command = async (query: string, params: Record<string, unknown> = {}) => {
    await client.command({
      query,
      query_params: params,
      ...(jobSettings && { clickhouse_settings: jobSettings }),
    })
  }

  const runner = createRefreshRunner({ sql, rows, command, runTexts })

  return {
    async now() {
      const [row] = await rows<{ t: string }>('SELECT toString(now64(3)) AS t')
      return row?.t ?? ''
    },
    async watermark(name) {
      const [row] = await rows<{ v: string }>(
        `SELECT toString(value) AS v FROM ${db}.profile_state WHERE name = {n:String}`,
        { n: name },
      )
      return row?.v
    },
    setWatermark: (name, value) =>
      command(`INSERT INTO ${db}.profile_state (name, value) VALUES ({n:String}, {v:DateTime64(3)})`, {
        n: name,
        v: value,
      }),
    refresh: (run) => runner.refresh(run),
    score: (asOf) => command(scorePersons, { as_of: asOf }),
    computeRecommendations: (asOf, days, limit) => command(recommendations, { as_of: asOf, days, limit }),
    async personOf(idKey) {
      const [row] = await rows<{ person_id: string }>(personByKey, { k: idKey })
      return row?.person_id
    },
    async profile(personId) {
      const [row] = await texts(profileById, { p: personId })
      return row
    },
    async scores(personId) {
      const [row] = await rows<ScoreRow>(scoreById, { p: personId })
      return row
    },
    recommendations: (productIds) =>
      productIds.length === 0
        ? Promise.resolve([])
        : rows<RecommendationRow>(recsByProduct, { ids: productIds }),
    allProfileTexts: (limit) => texts(allProfileTexts, { n: limit }),
    async mergedPersonIds(limit) {
      const merged = await rows<{ s: string; p: string }>(
        `SELECT substring(id_key, 11) AS s, person_id AS p FROM ${db}.profile_identifiers
         WHERE startsWith(id_key, 'person_id:') AND person_id != substring(id_key, 11) LIMIT {n:UInt32}`,
        { n: limit },
      )
      return merged.map((r): [string, string] => [r.s, r.p])
    },
    allScores: (limit) => rows<ScoreRow>(`SELECT * FROM ${db}.profile_scores LIMIT {n:UInt32}`, { n: limit }),
    allRecommendations: () => rows<RecommendationRow>(`SELECT * FROM ${db}.product_recommendations`),
    allIdentifiers: () =>
      rows<{ person_id: string; identifiers: Array<[string, string]> }>(
        `SELECT person_id, identifiers FROM ${db}.profiles`,
      ),
    async remove(personId, idKeys) {
      await command(`DELETE FROM ${db}.profiles WHERE person_id = {p:String}`, { p: personId })
      await command(`DELETE FROM ${db}.profile_folds WHERE person_id = {p:String}`, { p: personId })
      await runner.forget([personId])
      await command(`DELETE FROM ${db}.profile_scores WHERE person_id = {p:String}`, { p: personId })
      if (idKeys.length > 0)
        await command(`DELETE FROM ${db}.profile_identifiers WHERE id_key IN {k:Array(String)}`, {
          k: idKeys,
        })
    },
  }
}
