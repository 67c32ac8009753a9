/**
 * The refresher's SQL, part 2: the fold. The run's persons' stored states (re-keyed to the
 * surviving person when they merged) and the aggregates of the run's events go into the run's
 * scratch folds, then merge into one state row per person. Every merge is a union keyed by
 * message_id, order_id, trait key or product id, so folding an event twice (the overlap, a retried
 * run) or two persons' states never counts anything twice, and late events fall into place.
 */
import { DEFAULT_BLOCKED_VALUES } from '@sillage/identifiers'
import { FRESH_MERGES } from './refresh-collect.sql.js'

/**
 * Identity's default blocked values (`@sillage/identifiers`, the one list), never identifiers: a
 * placeholder many people send (`n/a`, `guest`, the nil UUID) must not name one of them. Constants,
 * not user data, quoted as SQL string literals.
 */
const BLOCKED = `(${DEFAULT_BLOCKED_VALUES.map((v) => `'${v.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`).join(', ')})`
/** Zeroes and dashes only (`000000`, `-`), which identity blocks too (ZEROES_AND_DASHES). */
const ZEROES_AND_DASHES = `'^[0-]+$'`

/** A consent-stating event: a Consent Updated, or an event whose context.consent has categories. */
const CONSENT = `((type = 'track' AND event = 'Consent Updated') OR JSONHas(consent, 'categories'))`

/**
 * The run's stamped ids that can have a stored state: its persons', and those merged into them
 * by a merge recorded since `from`. An older merge's merged-away person had its rows deleted by
 * the run that first saw it (MERGED_AWAY_SQL), and asking RocksDB for them again is 5,000 misses
 * a run when 5,000 persons once browsed anonymously (~50 ms).
 */
const MAY_HAVE_STATE = `(stamped_id = pid OR stamped_id IN (${FRESH_MERGES}))`

/** The run's stamped ids read from RocksDB: they may have a state, and the hot copy lacks it. */
const NOT_HOT = `run_id = {run:String} AND ${MAY_HAVE_STATE}
        AND stamped_id NOT IN (SELECT person_id FROM {{db}}.profile_refresh_merged WHERE run_id = {prev:String})`

/**
 * The stored states of the run's stamped ids matching `filter`, read by key (a direct join asks
 * RocksDB for each stamped id: a third faster than a hash join behind an IN filter).
 */
const foldStored = (filter: string) => `
INSERT INTO {{db}}.profile_refresh_folds
SELECT {run:String} AS run_id, s.pid AS person_id, f.* EXCEPT person_id
FROM (SELECT stamped_id, pid FROM {{db}}.profile_refresh_persons WHERE ${filter}) AS s
INNER JOIN {{db}}.profile_folds AS f ON f.person_id = s.stamped_id
SETTINGS join_algorithm = 'direct'`

/**
 * Step 3a: the stored states of the run's persons and of every person merged into them that the
 * previous run of this store left in its Memory rows (`prev`, its run id: the hot copy,
 * refresh-run.ts), equal to the saved ones. A Memory read costs a tenth of RocksDB's, which
 * deserialises each state row by row.
 */
export const FOLD_HOT_SQL = `
INSERT INTO {{db}}.profile_refresh_folds
SELECT {run:String} AS run_id, s.pid AS person_id, f.* EXCEPT (run_id, person_id)
FROM (SELECT stamped_id, pid FROM {{db}}.profile_refresh_persons WHERE run_id = {run:String}) AS s
INNER JOIN (SELECT * FROM {{db}}.profile_refresh_merged WHERE run_id = {prev:String}) AS f
    ON f.person_id = s.stamped_id`

/**
 * The run's stamped ids the hot copy lacks, at most `n`. A few (or none) are read by key from a
 * list (FOLD_STORED_IDS_SQL): step 3b's filter on the copy costs ~40 ms even when nothing is left
 * to read, a list of ids ~5 ms.
 */
export const FOLD_MISSING_SQL = `
SELECT stamped_id AS id FROM {{db}}.profile_refresh_persons WHERE ${NOT_HOT}
LIMIT {n:UInt32}`

/** Step 3b for the stamped ids `ids` only (FOLD_MISSING_SQL). */
export const FOLD_STORED_IDS_SQL = foldStored('run_id = {run:String} AND stamped_id IN {ids:Array(String)}')

/** Step 3b: the stored states the hot copy lacks; with no copy (`prev` = ''), all of them. */
export const FOLD_STORED_SQL = foldStored(NOT_HOT)

/**
 * Step 3c: the run's events, aggregated per person in the shape of a state. The identifiers an
 * event carries: userId, anonymousId, and the email, phone and loyalty card of identify traits or
 * properties as the collector stored them (a SHA-256 digest for email and phone; a raw email is
 * normalised and hashed as identity does).
 */
export const FOLD_DELTA_SQL = `
INSERT INTO {{db}}.profile_refresh_folds
SELECT
    {run:String},
    person_id,
    now64(3),
    max(inserted_at),
    groupUniqArray(source_id),
    arrayDistinct(arrayFilter(t -> t.2 != '' AND lower(t.2) NOT IN ${BLOCKED} AND NOT match(t.2, ${ZEROES_AND_DASHES}), arrayFlatten(groupArray([
        ('user_id', trim(user_id)),
        ('anonymous_id', trim(anonymous_id)),
        ('email', multiIf(
            match(JSONExtractString(traits, 'email'), '^[0-9a-fA-F]{64}$'), lower(JSONExtractString(traits, 'email')),
            match(trim(JSONExtractString(traits, 'email')), '^[^[:space:]@]+@[^[:space:]@]+[.][^[:space:]@]+$'),
                lower(hex(SHA256(lower(trim(JSONExtractString(traits, 'email')))))),
            '')),
        ('phone', if(match(JSONExtractString(traits, 'phone'), '^[0-9a-fA-F]{64}$'), lower(JSONExtractString(traits, 'phone')), '')),
        ('loyalty_card', trim(multiIf(
            JSONExtractString(traits, 'loyalty_card') != '', JSONExtractString(traits, 'loyalty_card'),
            JSONExtractString(traits, 'loyaltyCard') != '', JSONExtractString(traits, 'loyaltyCard'),
            JSONExtractString(properties, 'loyalty_card') != '', JSONExtractString(properties, 'loyalty_card'),
            JSONExtractString(properties, 'loyaltyCard'))))
    ])))),
    min(timestamp),
    max(timestamp),
    arrayFlatten(groupArrayIf(arrayMap(kv -> (kv.1, kv.2, timestamp), JSONExtractKeysAndValuesRaw(traits)), type = 'identify')),
    maxIf((timestamp, message_id), ${CONSENT}),
    argMaxIf(
        if(event = 'Consent Updated' AND JSONHas(properties, 'categories'),
            JSONExtract(properties, 'categories', 'Array(String)'),
            JSONExtract(consent, 'categories', 'Array(String)')),
        (timestamp, message_id), ${CONSENT}),
    argMaxIf(
        multiIf(
            JSONExtractString(properties, 'policyVersion') != '', JSONExtractString(properties, 'policyVersion'),
            JSONExtractString(properties, 'policy_version') != '', JSONExtractString(properties, 'policy_version'),
            JSONExtractString(consent, 'policyVersion')),
        (timestamp, message_id), ${CONSENT}),
    groupArray((timestamp, message_id, session_id, toUInt8(type IN ('page', 'screen')))),
    (toDateTime64(0, 3, 'UTC'), '', ''),
    maxIf((timestamp, message_id), type = 'track' AND event = 'Order Completed'),
    groupArrayIf(
        (order_id, timestamp, message_id, round(ifNull(revenue, 0), 2),
            arrayFilter(p -> p != '', arrayMap(p -> if(JSONExtractString(p, 'product_id') != '',
                JSONExtractString(p, 'product_id'), JSONExtractString(p, 'id')), JSONExtractArrayRaw(properties, 'products')))),
        type = 'track' AND event = 'Order Completed' AND order_id != ''),
    groupArrayIf(
        (timestamp, message_id, product_id,
            if(event = 'Product Added', 1, -1) * if(JSONHas(properties, 'quantity'), JSONExtractFloat(properties, 'quantity'), 1),
            JSONExtractString(properties, 'sku'), JSONExtractString(properties, 'name'),
            JSONExtractString(properties, 'category'), JSONExtractFloat(properties, 'price'), toUInt8(event = 'Product Added')),
        type = 'track' AND event IN ('Product Added', 'Product Removed') AND product_id != ''),
    groupArrayIf((product_id, timestamp), type = 'track' AND event = 'Product Viewed' AND product_id != '')
FROM {{db}}.profile_refresh_events
WHERE run_id = {run:String}
GROUP BY person_id`

/**
 * Step 3d: one state per person from the run's folds, into the run's merged rows (step 3e saves
 * them, step 5 reads them, the next run reads them as its hot copy). The timeline keeps the last
 * 31 days (the event before an in-window event is kept, or more than a day older: a new session
 * either way); the cart keeps the events
 * after the latest order; views the last 30 days. Deduplication compares each element with the
 * previous key as a second array (arrayShiftRight): indexing a captured array (`xs[i - 1]`) in a
 * lambda copied it per element and cost more than twice the time.
 */
export const MERGE_FOLDS_SQL = `
INSERT INTO {{db}}.profile_refresh_merged
SELECT
    {run:String} AS run_id,
    person_id,
    now64(3) AS folded_at,
    max_inserted_at,
    source_ids,
    event_ids,
    first_seen,
    last_seen,
    arrayFilter((x, before, i) -> i = 1 OR x.1 != before,
        traits_sorted, arrayShiftRight(arrayMap(x -> x.1, traits_sorted), 1), arrayEnumerate(traits_sorted)) AS traits,
    consent_at AS consent_key,
    categories AS consent_categories,
    policy_version AS consent_policy_version,
    arraySort(x -> (x.1, x.2), arrayFilter(x -> x.1 >= now64(3) - INTERVAL 31 DAY, timeline_all)) AS timeline,
    arrayReduce('max', arrayPushBack(
        arrayMap(x -> (x.1, x.2, x.3), arrayFilter(x -> x.1 < now64(3) - INTERVAL 31 DAY AND x.3 != '', timeline_all)),
        horizon_before)) AS horizon_sid,
    last_order_key,
    arrayFilter((x, before, i) -> i = 1 OR x.1 != before,
        orders_sorted, arrayShiftRight(arrayMap(x -> x.1, orders_sorted), 1), arrayEnumerate(orders_sorted)) AS orders,
    arraySort(x -> (x.1, x.2), arrayFilter(x -> (x.1, x.2) > last_order_key, cart_all)) AS cart_events,
    arrayFilter((x, before, i) -> (i = 1 OR x.1 != before) AND x.2 >= now64(3) - INTERVAL 30 DAY,
        viewed_sorted, arrayShiftRight(arrayMap(x -> x.1, viewed_sorted), 1), arrayEnumerate(viewed_sorted)) AS viewed
FROM
(
    SELECT
        person_id,
        max(max_inserted_at) AS max_inserted_at,
        arraySort(arrayDistinct(arrayFlatten(groupArray(source_ids)))) AS source_ids,
        arraySort(arrayDistinct(arrayFlatten(groupArray(event_ids)))) AS event_ids,
        min(first_seen) AS first_seen,
        max(last_seen) AS last_seen,
        arrayReverseSort(x -> (x.1, x.3), arrayFlatten(groupArray(traits))) AS traits_sorted,
        max(consent_key) AS consent_at,
        argMax(consent_categories, consent_key) AS categories,
        argMax(consent_policy_version, consent_key) AS policy_version,
        arrayDistinct(arrayFlatten(groupArray(timeline))) AS timeline_all,
        max(horizon_sid) AS horizon_before,
        max(last_order_key) AS last_order_key,
        arraySort(x -> (x.1, x.2, x.3), arrayFlatten(groupArray(orders))) AS orders_sorted,
        arrayDistinct(arrayFlatten(groupArray(cart_events))) AS cart_all,
        arrayReverseSort(x -> (x.1, x.2), arrayFlatten(groupArray(viewed))) AS viewed_sorted
    FROM {{db}}.profile_refresh_folds
    WHERE run_id = {run:String}
    GROUP BY person_id
)`

/** Step 3e: the run's merged states become the stored ones. */
export const SAVE_FOLDS_SQL = `
INSERT INTO {{db}}.profile_folds
SELECT * EXCEPT run_id FROM {{db}}.profile_refresh_merged WHERE run_id = {run:String}`
