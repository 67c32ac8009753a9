/**
 * The refresher's SQL, part 3: the lookup index and the profile rows of the run's persons, from
 * their merged states (profile_folds, read by key). Sessions are cut from the state's timeline as
 * the `sessions` model cuts them; the windows themselves are cut at read time.
 */

/**
 * The run's persons and their identifiers in stored form: identity's `identities` rows (the latest
 * version of each identifier that names one of them) and, for identifiers identity has not
 * written there (one-identifier people never reach its resolver), those their events carry.
 */
const RUN = `
stamped AS
(
    SELECT stamped_id, pid FROM {{db}}.profile_refresh_persons WHERE run_id = {run:String}
),
ev_ids AS
(
    SELECT DISTINCT person_id AS pid, t.1 AS id_type, t.2 AS id_value
    FROM {{db}}.profile_refresh_folds
    ARRAY JOIN event_ids AS t
    WHERE run_id = {run:String}
),
known AS
(
    SELECT id_type, id_value, argMax(person_id, version) AS stamped_id
    FROM {{db}}.identities
    WHERE (id_type, id_value) IN
        (SELECT id_type, id_value FROM {{db}}.identities WHERE person_id IN (SELECT stamped_id FROM stamped))
        OR (id_type, id_value) IN (SELECT id_type, id_value FROM ev_ids)
    GROUP BY id_type, id_value
),
person_ids AS
(
    SELECT s.pid AS pid, k.id_type AS id_type, k.id_value AS id_value
    FROM known AS k INNER JOIN stamped AS s ON s.stamped_id = k.stamped_id
    UNION DISTINCT
    SELECT pid, id_type, id_value FROM ev_ids
    WHERE (id_type, id_value) NOT IN (SELECT id_type, id_value FROM known)
)`

/** Step 4a: the run's persons' identifiers, into the run's scratch rows (read by 4b and 5). */
export const COLLECT_IDS_SQL = `
INSERT INTO {{db}}.profile_refresh_ids
WITH ${RUN}
SELECT {run:String}, pid, id_type, id_value FROM person_ids`

/** Step 4b, the lookup index: every identifier of a run's person, and its person ids, old ones included. */
export const REFRESH_IDENTIFIERS_SQL = `
INSERT INTO {{db}}.profile_identifiers (id_key, person_id, updated_at)
SELECT concat(id_type, ':', id_value) AS id_key, pid AS person_id, now64(3) AS updated_at
FROM {{db}}.profile_refresh_ids WHERE run_id = {run:String}
UNION ALL
SELECT concat('person_id:', stamped_id), pid, now64(3)
FROM {{db}}.profile_refresh_persons WHERE run_id = {run:String}`

/**
 * Step 5: the profiles of the run's persons, into the run's rows (step 6 saves them, the reader's
 * copy reads them back), from their merged states (step 3d), row by row (each state is read once).
 * Sessions: a new one at the first event, after 30 minutes without events, or when the SDK's
 * session id changes from the last one seen (filled[i]: the last non-empty id before i), each
 * compared with the previous element as a second array (arrayShiftRight), never by index.
 * Cart lines: per product, the quantities summed and the latest add's fields.
 */
export const REFRESH_PROFILES_SQL = `
INSERT INTO {{db}}.profile_refresh_out
WITH
idents AS
(
    SELECT pid AS person_id, arraySort(groupUniqArray((id_type, id_value))) AS identifiers
    FROM {{db}}.profile_refresh_ids WHERE run_id = {run:String}
    GROUP BY pid
)
SELECT
    {run:String} AS run_id,
    f.person_id AS person_id,
    now64(3) AS computed_at,
    f.max_inserted_at AS max_inserted_at,
    f.source_ids AS source_ids,
    id.identifiers AS identifiers,
    f.first_seen AS first_seen,
    f.last_seen AS last_seen,
    concat('{', arrayStringConcat(arraySort(arrayMap(x -> concat(toJSONString(x.1), ':', x.2), f.traits)), ','), '}') AS traits,
    concat('{', arrayStringConcat(arraySort(arrayMap(x -> concat(toJSONString(x.1), ':',
        toJSONString(formatDateTime(x.3, '%Y-%m-%dT%H:%i:%S.%fZ'))), f.traits)), ','), '}') AS traits_updated_at,
    f.consent_categories AS consent_categories,
    f.consent_policy_version AS consent_policy_version,
    if(f.consent_key.2 = '', NULL, f.consent_key.1) AS consent_updated_at,
    arrayFilter((t, paged) -> paged AND t >= now64(3) - INTERVAL 30 DAY,
        arrayFilter((t, n) -> n = 1, f.ts, f.is_new), f.session_paged) AS session_starts,
    arrayFilter((t, p) -> p = 1 AND t >= now64(3) - INTERVAL 30 DAY, f.ts, f.pages) AS page_view_times,
    arraySort(x -> x.1, arrayMap(x -> (x.1, x.2, x.3, x.4, x.5, x.6), arrayFilter(x -> x.6 > 0, f.cart_lines))) AS cart,
    if(length(f.cart_lines) = 0, NULL, arrayMax(x -> x.7, f.cart_lines)) AS cart_updated_at,
    arraySort(x -> x.1, arrayFilter(x -> x.2 >= now64(3) - INTERVAL 30 DAY, f.viewed)) AS viewed,
    arraySort(x -> x.1, arrayFilter((x, before, i) -> i = 1 OR x.1 != before,
        f.bought_sorted, arrayShiftRight(arrayMap(x -> x.1, f.bought_sorted), 1), arrayEnumerate(f.bought_sorted))) AS bought,
    toUInt32(length(f.orders)) AS orders,
    round(arraySum(x -> x.4, f.orders), 2) AS revenue,
    if(length(f.orders) > 0, arrayMin(x -> x.2, f.orders), NULL) AS first_order_at,
    if(length(f.orders) > 0, arrayMax(x -> x.2, f.orders), NULL) AS last_order_at,
    if(length(f.orders) > 0, arrayReverseSort(x -> (x.2, x.1), f.orders)[1].1, '') AS last_order_id
FROM
(
    SELECT
        *,
        arrayMap(g -> has(g, 1), arraySplit((p, n) -> n, pages, is_new)) AS session_paged
    FROM
    (
        SELECT
            *,
            arrayMap((t, before, sid, last_sid, i) -> toUInt8(i = 1
                OR toUnixTimestamp64Milli(t) - toUnixTimestamp64Milli(before) > 30 * 60000
                OR (sid != '' AND last_sid != '' AND sid != last_sid)),
                ts, arrayShiftRight(ts, 1), sids, arrayPopBack(filled), arrayEnumerate(ts)) AS is_new
        FROM
        (
            SELECT
                *,
                arrayMap(x -> x.1, timeline) AS ts,
                arrayMap(x -> x.3, timeline) AS sids,
                arrayMap(x -> x.4, timeline) AS pages,
                arrayFill(x -> x != '', arrayPushFront(arrayMap(x -> x.3, timeline), horizon_sid.3)) AS filled,
                arrayReverseSort(x -> (x.1, x.2), arrayFlatten(arrayMap(o -> arrayMap(p -> (p, o.2), o.5), orders))) AS bought_sorted,
                arraySort(x -> (x.3, x.1, x.2), arrayFilter(x -> (x.1, x.2) > last_order_key, cart_events)) AS cart_open,
                arrayMap(x -> x.3, cart_open) AS cart_products,
                arrayMap(g -> (
                    g[1].3,
                    (arrayLast(x -> x.9 = 1, g) AS last_add).5,
                    last_add.6,
                    last_add.7,
                    last_add.8,
                    arraySum(x -> x.4, g),
                    g[-1].1
                ), arraySplit((x, starts) -> starts, cart_open,
                    arrayMap((p, before) -> p != before, cart_products, arrayShiftRight(cart_products, 1)))) AS cart_lines
            FROM {{db}}.profile_refresh_merged
            WHERE run_id = {run:String}
        )
    )
) AS f
LEFT JOIN idents AS id ON id.person_id = f.person_id`

/** Step 6: the run's profiles become the stored ones. */
export const SAVE_PROFILES_SQL = `
INSERT INTO {{db}}.profiles
SELECT * EXCEPT run_id FROM {{db}}.profile_refresh_out WHERE run_id = {run:String}`

/** A profile row's index keys, as the copy holds them: its identifiers (`type:value`), then its person id. */
const PROFILE_KEYS = `arrayPushBack(arrayMap(i -> concat(i.1, ':', i.2), identifiers), concat('person_id:', person_id))`
/** A profile as the copy reads it (profile-store.ts): person id, keys as JSON, the row as JSON. */
const PROFILE_TEXT = (row: string) =>
  `SELECT person_id, toJSONString(${PROFILE_KEYS}), formatRowNoNewline('JSONEachRow', ${row})`

/**
 * A page of the run's profiles as text, read back for the reader's copy before the scratch rows
 * go: one TabSeparatedRaw line each, `person_id`, its keys as a JSON array, its row as JSON
 * (neither JSON text holds a raw tab or newline), so that only the keys are parsed. A page is the
 * persons whose id hashes to it among `pages` (profile-store.ts), so that no one answer is large
 * and no page sorts or copies the rows of the others (a keyset page on the person id did both: a
 * third of the read-back's time).
 */
export const RUN_PROFILES_SQL = `
${PROFILE_TEXT('* EXCEPT run_id')}
FROM {{db}}.profile_refresh_out
WHERE run_id = {run:String} AND cityHash64(person_id) % {pages:UInt32} = {page:UInt32}`

/** Every stored profile as text, the same way (the copy's first fill). */
export const ALL_PROFILE_TEXTS_SQL = `
${PROFILE_TEXT('*')}
FROM {{db}}.profiles LIMIT {n:UInt32}`

/** One stored profile as text, the same way (a lookup the copy missed). */
export const PROFILE_TEXT_SQL = `
${PROFILE_TEXT('*')}
FROM {{db}}.profiles WHERE person_id = {p:String}`
