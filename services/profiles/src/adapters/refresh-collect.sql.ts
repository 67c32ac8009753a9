/**
 * The refresher's SQL, part 1 (docs/profiles.md#freshness): which events and persons a run folds.
 * Everything runs inside ClickHouse, in steps sharing the run's scratch rows (tagged `run`);
 * `{{db}}` is replaced by the (validated) database name. Parts 2 and 3: refresh-fold.sql.ts,
 * refresh-profile.sql.ts.
 */

/**
 * The run's upper bound: at most `cap` events inserted after the watermark `mark` (and up to
 * `upTo`), extended to every event of the last insert time it reaches, so that a run is bounded
 * and the next one starts where it stopped. `n` < `cap`: everything up to `upTo` fits.
 */
export const BOUND_SQL = `
SELECT toString(max(inserted_at)) AS bound, count() AS n
FROM
(
    SELECT inserted_at FROM {{db}}.events
    WHERE inserted_at > {mark:DateTime64(3)} AND inserted_at <= {upTo:DateTime64(3)}
    ORDER BY inserted_at
    LIMIT {cap:UInt32}
)`

/**
 * Whether a run whose bound found no new event has anything to fold all the same: events in the
 * overlap (`from`, `to`] (an insert committed late, or one already folded: re-read idempotently)
 * or merges recorded since `from`. Zero: the run would fold nothing, and is skipped.
 */
export const PENDING_SQL = `
SELECT
    (SELECT count() FROM {{db}}.events
     WHERE inserted_at > {from:DateTime64(3)} AND inserted_at <= {to:DateTime64(3)})
  + (SELECT count() FROM {{db}}.person_overrides WHERE inserted_at > {from:DateTime64(3)}) AS n`

/** The old person ids of the merges recorded since `from` (the run's new merges). */
export const FRESH_MERGES = `SELECT old_person_id FROM {{db}}.person_overrides WHERE inserted_at > {from:DateTime64(3)}`

/**
 * Each of `old` person ids with the person its latest override names (identity's merges; the
 * table is ordered by old_person_id, so only the granules of those ids are read). Aggregating the
 * whole table instead cost ~0.6 s a run with a million merges.
 */
const latestOverrides = (old: string) => `
    SELECT old_person_id, argMax(person_id, version) AS person_id
    FROM {{db}}.person_overrides
    WHERE old_person_id IN (${old})
    GROUP BY old_person_id`

/**
 * Step 1: the events inserted in (`from`, `to`], each with its person resolved through
 * person_overrides (people's events as `activity` counts them: no bots, nothing Sillage derived).
 */
export const COLLECT_EVENTS_SQL = `
INSERT INTO {{db}}.profile_refresh_events
WITH
new_events AS
(
    SELECT * FROM {{db}}.events
    WHERE inserted_at > {from:DateTime64(3)} AND inserted_at <= {to:DateTime64(3)}
        AND person_id != '' AND source_id != 'sillage' AND NOT is_bot
),
overrides AS (${latestOverrides('SELECT person_id FROM new_events')})
SELECT
    {run:String}, if(o.person_id != '', o.person_id, e.person_id), e.message_id, e.type, e.event, e.timestamp,
    e.inserted_at, e.session_id, e.source_id, e.user_id, e.anonymous_id, e.product_id, e.order_id, e.revenue,
    e.consent, e.properties, e.traits
FROM new_events AS e
LEFT JOIN overrides AS o ON e.person_id = o.old_person_id`

/**
 * Step 2: the run's persons — those of its events and the survivors of merges recorded since
 * `from` — each with every stamped person id that maps to it (whose stored state folds into it):
 * the old ids with an override naming one of them, whose latest override does.
 */
export const COLLECT_PERSONS_SQL = `
INSERT INTO {{db}}.profile_refresh_persons (run_id, stamped_id, pid)
WITH
touched AS
(
    SELECT DISTINCT person_id AS pid FROM {{db}}.profile_refresh_events WHERE run_id = {run:String}
    UNION DISTINCT
    SELECT person_id AS pid FROM (${latestOverrides(FRESH_MERGES)})
),
mapped AS (${latestOverrides(
  'SELECT old_person_id FROM {{db}}.person_overrides WHERE person_id IN (SELECT pid FROM touched)',
)})
SELECT {run:String}, pid AS stamped_id, pid FROM touched
UNION ALL
SELECT {run:String}, old_person_id AS stamped_id, person_id AS pid
FROM mapped WHERE person_id IN (SELECT pid FROM touched) AND old_person_id != person_id`

/**
 * The run's stamped ids merged into another person (the copy's keys), and whether the merge was
 * recorded since `from` (`fresh`): only then can the merged-away person still have rows, which go
 * once folded. A merge the previous runs saw had its rows deleted then, and no later event is
 * stamped with it (overrides re-key them); deleting them again on every run cost a full pass over
 * both RocksDB tables (~130 ms of a 1.1 s run with 5,000 merged persons).
 */
export const MERGED_AWAY_SQL = `
SELECT stamped_id AS s, pid AS p,
    stamped_id IN (${FRESH_MERGES}) AS fresh
FROM {{db}}.profile_refresh_persons
WHERE run_id = {run:String} AND stamped_id != pid`

/** The run's persons, a page at a time (the reader's copy). */
export const RUN_PERSONS_SQL = `
SELECT pid FROM {{db}}.profile_refresh_persons
WHERE run_id = {run:String} AND stamped_id = pid`

/**
 * Last step: the run's scratch rows go, but for its merged states (the next run's hot copy).
 * `drop`: the merged states that go: the previous run's (a hot copy or not) and, after a failed
 * run, the run's own, and any left for an hour (a store that stopped, on a shared server).
 */
export const CLEAN_RUN_SQL = [
  `ALTER TABLE {{db}}.profile_refresh_persons DELETE WHERE run_id = {run:String} SETTINGS mutations_sync = 1`,
  `ALTER TABLE {{db}}.profile_refresh_events DELETE WHERE run_id = {run:String} SETTINGS mutations_sync = 1`,
  `ALTER TABLE {{db}}.profile_refresh_folds DELETE WHERE run_id = {run:String} SETTINGS mutations_sync = 1`,
  `ALTER TABLE {{db}}.profile_refresh_ids DELETE WHERE run_id = {run:String} SETTINGS mutations_sync = 1`,
  `ALTER TABLE {{db}}.profile_refresh_merged DELETE
   WHERE run_id IN {drop:Array(String)} OR folded_at < now64(3) - INTERVAL 1 HOUR SETTINGS mutations_sync = 1`,
  `ALTER TABLE {{db}}.profile_refresh_out DELETE WHERE run_id = {run:String} SETTINGS mutations_sync = 1`,
]
