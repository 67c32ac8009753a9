import type { Warehouse } from '@sillage/warehouse'
import type { ProfileRow, RecommendationRow, ScoreRow } from '../domain/rows.js'
import { randomUUID } from 'node:crypto'
import {
  CLEAN_RUN_SQL,
  COLLECT_EVENTS_SQL,
  COLLECT_PERSONS_SQL,
  REFRESH_IDENTIFIERS_SQL,
  REFRESH_PROFILES_SQL,
} from './refresh.sql.js'
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
   * Recomputes every person touched since `from` (index first, then profiles); answers the
   * rewritten profiles (at most `readBack`) and the stamped person ids that map to each.
   */
  refresh(from: string, readBack: number): Promise<RefreshResult>
  score(asOf: string): Promise<void>
  computeRecommendations(asOf: string, days: number, limit: number): Promise<void>
  /** The person an identifier key ('<type>:<stored value>') belongs to. */
  personOf(idKey: string): Promise<string | undefined>
  profile(personId: string): Promise<ProfileRow | undefined>
  scores(personId: string): Promise<ScoreRow | undefined>
  /** Recommendation rows of these products ('*' for popularity). */
  recommendations(productIds: readonly string[]): Promise<RecommendationRow[]>
  /** Profile rows, at most `limit` (the reader's copy after a restart). */
  allProfiles(limit: number): Promise<ProfileRow[]>
  /** Score rows, at most `limit` (the reader's copy). */
  allScores(limit: number): Promise<ScoreRow[]>
  /** Every product row (the reader's copy). */
  allRecommendations(): Promise<RecommendationRow[]>
  /** Every profile's person and identifiers (the erasure sweep). */
  allIdentifiers(): Promise<Array<{ person_id: string; identifiers: Array<[string, string]> }>>
  /** Removes a person's profile, scores and index entries. */
  remove(personId: string, idKeys: readonly string[]): Promise<void>
}

export interface RefreshResult {
  /** True when `from` was the epoch: every profile was rebuilt (and `rows` holds them all if it fits). */
  fullScan: boolean
  rows: ProfileRow[]
  /** [stamped person id, resolved person id] */
  stamped: Array<[string, string]>
}

export function createProfileStore(warehouse: Warehouse): ProfileStore {
  const db = warehouse.database
  const client = warehouse.client
  const sql = (text: string) => text.replaceAll('{{db}}', db)
  const refreshSteps = [
    COLLECT_PERSONS_SQL,
    COLLECT_EVENTS_SQL,
    REFRESH_IDENTIFIERS_SQL,
    REFRESH_PROFILES_SQL,
  ].map(sql)
  const cleanRun = CLEAN_RUN_SQL.map(sql)
  const scorePersons = sql(SCORE_PERSONS_SQL)
  const recommendations = sql(RECOMMENDATIONS_SQL)
  const profileById = `SELECT * FROM ${db}.profiles WHERE person_id = {p:String}`
  const scoreById = `SELECT * FROM ${db}.profile_scores WHERE person_id = {p:String}`
  const personByKey = `SELECT person_id FROM ${db}.profile_identifiers WHERE id_key = {k:String}`
  const recsByProduct = `SELECT * FROM ${db}.product_recommendations WHERE product_id IN {ids:Array(String)}`

  async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    // Named tuples as arrays (domain/rows.ts), whatever the server's default.
    const rs = await client.query({
      query,
      query_params: params,
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_named_tuples_as_objects: 0 },
    })
    return rs.json<T>()
  }
  const command = async (query: string, params: Record<string, unknown> = {}) => {
    await client.command({ query, query_params: params })
  }

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
    async refresh(from, readBack) {
      const run = randomUUID()
      try {
        for (const step of refreshSteps) await command(step, { from, run })
        const stamped = await rows<{ s: string; p: string }>(
          `SELECT stamped_id AS s, pid AS p FROM ${db}.profile_refresh_persons WHERE run_id = {run:String} LIMIT {n:UInt32}`,
          { run, n: readBack * 2 },
        )
        const written = await rows<ProfileRow>(
          `SELECT * FROM ${db}.profiles WHERE person_id IN
             (SELECT pid FROM ${db}.profile_refresh_persons WHERE run_id = {run:String}) LIMIT {n:UInt32}`,
          { run, n: readBack },
        )
        return { fullScan: from.startsWith('1970-'), rows: written, stamped: stamped.map((r) => [r.s, r.p]) }
      } finally {
        for (const step of cleanRun) await command(step, { run })
      }
    },
    score: (asOf) => command(scorePersons, { as_of: asOf }),
    computeRecommendations: (asOf, days, limit) => command(recommendations, { as_of: asOf, days, limit }),
    async personOf(idKey) {
      const [row] = await rows<{ person_id: string }>(personByKey, { k: idKey })
      return row?.person_id
    },
    async profile(personId) {
      const [row] = await rows<ProfileRow>(profileById, { p: personId })
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
    allProfiles: (limit) => rows<ProfileRow>(`SELECT * FROM ${db}.profiles LIMIT {n:UInt32}`, { n: limit }),
    allScores: (limit) => rows<ScoreRow>(`SELECT * FROM ${db}.profile_scores LIMIT {n:UInt32}`, { n: limit }),
    allRecommendations: () => rows<RecommendationRow>(`SELECT * FROM ${db}.product_recommendations`),
    allIdentifiers: () =>
      rows<{ person_id: string; identifiers: Array<[string, string]> }>(
        `SELECT person_id, identifiers FROM ${db}.profiles`,
      ),
    async remove(personId, idKeys) {
      await command(`DELETE FROM ${db}.profiles WHERE person_id = {p:String}`, { p: personId })
      await command(`DELETE FROM ${db}.profile_scores WHERE person_id = {p:String}`, { p: personId })
      if (idKeys.length > 0)
        await command(`DELETE FROM ${db}.profile_identifiers WHERE id_key IN {k:Array(String)}`, {
          k: idKeys,
        })
    },
  }
}
