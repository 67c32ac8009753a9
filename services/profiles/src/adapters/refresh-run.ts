import { performance } from 'node:perf_hooks'
import { randomUUID } from 'node:crypto'
import type { ProfileText } from '../domain/rows.js'
import type { RefreshResult, RefreshRun } from './profile-store.js'
import {
  BOUND_SQL,
  PENDING_SQL,
  CLEAN_RUN_SQL,
  COLLECT_EVENTS_SQL,
  COLLECT_PERSONS_SQL,
  MERGED_AWAY_SQL,
  RUN_PERSONS_SQL,
} from './refresh-collect.sql.js'
import {
  FOLD_DELTA_SQL,
  FOLD_HOT_SQL,
  FOLD_MISSING_SQL,
  FOLD_STORED_IDS_SQL,
  FOLD_STORED_SQL,
  MERGE_FOLDS_SQL,
  SAVE_FOLDS_SQL,
} from './refresh-fold.sql.js'
import {
  COLLECT_IDS_SQL,
  REFRESH_IDENTIFIERS_SQL,
  REFRESH_PROFILES_SQL,
  SAVE_PROFILES_SQL,
} from './refresh-profile.sql.js'

type Params = Record<string, unknown>
/** Every fold step's parameters: the events' interval, the run's id, the hot copy's run id ('': none). */
interface StepParams extends Params {
  from: string
  to: string
  run: string
  prev: string
}

/** States read by a list of ids at most (step 3b with a hot copy); more: by the copy's filter. */
const MAX_LISTED = 2000

/** What a refresh run needs of the store (profile-store.ts). */
export interface RunDeps {
  /** `{{db}}` replaced. */
  sql(text: string): string
  rows<T>(query: string, params?: Params): Promise<T[]>
  command(query: string, params?: Params): Promise<void>
  /**
   * The run's rewritten profiles as text, at most `n` (read back before its rows go), of about
   * `count` (its persons).
   */
  runTexts(run: string, n: number, count: number): Promise<ProfileText[]>
}

export interface RefreshRunner {
  refresh(run: RefreshRun): Promise<RefreshResult>
  /** A person's stored state was removed (erasure): the hot copy forgets it too. */
  forget(personIds: readonly string[]): Promise<void>
}

/**
 * The refresh run (docs/profiles.md#freshness), and its hot copy: the merged states a successful
 * run leaves in its Memory rows (`profile_refresh_merged`), equal to the ones it saved, which the
 * next run of this store reads instead of RocksDB. The copy is used only when the watermark the
 * next run starts from is the one this store's last run reached: had another store (several
 * profiles instances on one server) run in between, it may have saved newer states, and every
 * state is read from RocksDB. A failed run, or a restart, leaves no hot copy.
 */
export function createRefreshRunner(deps: RunDeps): RefreshRunner {
  const { sql, rows, command } = deps
  const bound = sql(BOUND_SQL)
  const pending = sql(PENDING_SQL)
  const mergedAway = sql(MERGED_AWAY_SQL)
  const runPersons = sql(RUN_PERSONS_SQL)
  const missing = sql(FOLD_MISSING_SQL)
  const storedIds = sql(FOLD_STORED_IDS_SQL)
  const statement = (text: string) => {
    const query = sql(text)
    return (params: StepParams) => command(query, params)
  }
  const storedByFilter = statement(FOLD_STORED_SQL)
  /**
   * Step 3b: with a hot copy, the few states it lacks by a list of ids (none: RocksDB is not
   * asked); beyond MAX_LISTED, or without a copy, by the copy's filter.
   */
  const foldStored = async (params: StepParams) => {
    if (params.prev !== '') {
      const ids = (await rows<{ id: string }>(missing, { ...params, n: MAX_LISTED + 1 })).map((r) => r.id)
      if (ids.length <= MAX_LISTED) {
        if (ids.length > 0) await command(storedIds, { ...params, ids })
        return
      }
    }
    await storedByFilter(params)
  }
  const foldSteps: Array<[string, (params: StepParams) => Promise<void>]> = [
    ['events', statement(COLLECT_EVENTS_SQL)],
    ['persons', statement(COLLECT_PERSONS_SQL)],
    ['hot', statement(FOLD_HOT_SQL)],
    ['stored', foldStored],
    ['delta', statement(FOLD_DELTA_SQL)],
    ['merge', statement(MERGE_FOLDS_SQL)],
    ['save', statement(SAVE_FOLDS_SQL)],
    ['ids', statement(COLLECT_IDS_SQL)],
    ['identifiers', statement(REFRESH_IDENTIFIERS_SQL)],
    ['profiles', statement(REFRESH_PROFILES_SQL)],
    ['saveProfiles', statement(SAVE_PROFILES_SQL)],
  ]
  const cleanRun = CLEAN_RUN_SQL.map(sql)
  const db = sql('{{db}}')
  /** The last successful run's id and the watermark it reached, while its merged rows are kept. */
  let hot: { run: string; reached: string } | undefined

  return {
    async refresh({ mark, from, upTo, cap, readBack }) {
      const [b] = await rows<{ bound: string; n: string | number }>(bound, { mark, upTo, cap })
      const capped = Number(b?.n ?? 0) >= cap && b !== undefined
      const reached = capped && b ? b.bound : upTo
      const ms: Record<string, number> = {}
      // An idle store costs two counts a period, not a dozen statements and six deletes.
      if (Number(b?.n ?? 0) === 0) {
        const [p] = await rows<{ n: string | number }>(pending, { from, to: reached })
        if (Number(p?.n ?? 0) === 0) {
          // Nothing folded: the states did not change, and the hot copy still holds them.
          if (hot?.reached === mark) hot.reached = reached
          return { reached, capped: false, persons: [], profiles: [], merged: [], ms, idle: true }
        }
      }
      const run = randomUUID()
      // The last run's merged rows go after this run either way; they are its hot copy if valid.
      const last = hot?.run
      const prev = hot?.reached === mark ? hot.run : ''
      hot = undefined
      const timed = async <T>(name: string, step: () => Promise<T>): Promise<T> => {
        const t0 = performance.now()
        const out = await step()
        ms[name] = Math.round(performance.now() - t0)
        return out
      }
      let done = false
      try {
        const params: StepParams = { from, to: reached, run, prev }
        for (const [name, step] of foldSteps) await timed(name, () => step(params))
        const merged = await timed('mergedAway', async () => {
          const away = await rows<{ s: string; p: string; fresh: number | boolean }>(mergedAway, {
            run,
            from,
          })
          const ids = away.filter((r) => Number(r.fresh) === 1).map((r) => r.s)
          if (ids.length > 0) {
            await command(`DELETE FROM ${db}.profile_folds WHERE person_id IN {ids:Array(String)}`, { ids })
            await command(`DELETE FROM ${db}.profiles WHERE person_id IN {ids:Array(String)}`, { ids })
          }
          return away.map((r): [string, string] => [r.s, r.p])
        })
        const persons = await timed('list', async () =>
          (await rows<{ pid: string }>(runPersons, { run })).map((r) => r.pid),
        )
        const profiles =
          readBack > 0 ? await timed('readBack', () => deps.runTexts(run, readBack, persons.length)) : []
        done = true
        return { reached, capped, persons, profiles, merged, ms, idle: false }
      } finally {
        const drop = [last, done ? undefined : run].filter((id): id is string => id !== undefined)
        await timed('clean', async () => {
          for (const step of cleanRun) await command(step, { run, drop })
        })
        if (done) hot = { run, reached }
      }
    },
    async forget(personIds) {
      if (personIds.length === 0) return
      await command(
        `ALTER TABLE ${db}.profile_refresh_merged DELETE WHERE person_id IN {ids:Array(String)} SETTINGS mutations_sync = 1`,
        { ids: personIds },
      )
    },
  }
}
