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
    SELECT person_id AS pid, t.1 AS id_type, t.2 AS id_value
    FROM {{db}}.profile_folds
    ARRAY JOIN event_ids AS t
    WHERE person_id IN (SELECT pid FROM stamped)
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

/** Step 4, the lookup index: every identifier of a run's person, and its person ids, old ones included. */
export const REFRESH_IDENTIFIERS_SQL = `
INSERT INTO {{db}}.profile_identifiers (id_key, person_id, updated_at)
WITH ${RUN}
SELECT concat(id_type, ':', id_value) AS id_key, pid AS person_id, now64(3) AS updated_at
FROM person_ids
UNION ALL
SELECT concat('person_id:', stamped_id), pid, now64(3) FROM stamped`

/** Step 5: the profiles of the run's persons, from their states. */
export const REFRESH_PROFILES_SQL = `
INSERT INTO {{db}}.profiles
WITH ${RUN},
f AS
(
    SELECT * FROM {{db}}.profile_folds WHERE person_id IN (SELECT pid FROM stamped)
),
visits AS
(
    -- A new session at the first event, after 30 minutes without events, or when the SDK's
    -- session id changes from the last one seen (filled[i]: the last non-empty id before i).
    SELECT
        person_id,
        arrayFilter((t, n, s) -> n = 1 AND has(paged, s) AND t >= now64(3) - INTERVAL 30 DAY, ts, is_new, session_no) AS session_starts,
        arrayFilter((t, p) -> p = 1 AND t >= now64(3) - INTERVAL 30 DAY, ts, pages) AS page_view_times
    FROM
    (
        SELECT
            person_id, ts, pages, is_new,
            arrayCumSum(is_new) AS session_no,
            arrayDistinct(arrayFilter((s, p) -> p = 1, arrayCumSum(is_new), pages)) AS paged
        FROM
        (
            SELECT
                person_id, ts, pages,
                arrayMap(i -> toUInt8(i = 1
                    OR toUnixTimestamp64Milli(ts[i]) - toUnixTimestamp64Milli(ts[i - 1]) > 30 * 60000
                    OR (sids[i] != '' AND filled[i] != '' AND sids[i] != filled[i])), arrayEnumerate(ts)) AS is_new
            FROM
            (
                SELECT
                    person_id,
                    arrayMap(x -> x.1, timeline) AS ts,
                    arrayMap(x -> x.3, timeline) AS sids,
                    arrayMap(x -> x.4, timeline) AS pages,
                    arrayFill(x -> x != '', arrayPushFront(arrayMap(x -> x.3, timeline), horizon_sid.3)) AS filled
                FROM f
            )
        )
    )
),
cart_lines AS
(
    SELECT
        person_id,
        c.3 AS product_id,
        sum(c.4) AS quantity,
        argMaxIf(c.5, c.1, c.9 = 1) AS sku,
        argMaxIf(c.6, c.1, c.9 = 1) AS name,
        argMaxIf(c.7, c.1, c.9 = 1) AS category,
        argMaxIf(c.8, c.1, c.9 = 1) AS price,
        max(c.1) AS changed_at
    FROM f
    ARRAY JOIN cart_events AS c
    WHERE (c.1, c.2) > last_order_key
    GROUP BY person_id, product_id
),
carts AS
(
    SELECT
        person_id,
        arraySort(x -> x.1, groupArrayIf((product_id, sku, name, category, price, quantity), quantity > 0)) AS cart,
        max(changed_at) AS cart_updated_at
    FROM cart_lines
    GROUP BY person_id
),
idents AS
(
    SELECT pid AS person_id, arraySort(groupUniqArray((id_type, id_value))) AS identifiers
    FROM person_ids
    GROUP BY person_id
)
SELECT
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
    v.session_starts AS session_starts,
    v.page_view_times AS page_view_times,
    c.cart AS cart,
    if(c.person_id = '', NULL, c.cart_updated_at) AS cart_updated_at,
    arraySort(x -> x.1, arrayFilter(x -> x.2 >= now64(3) - INTERVAL 30 DAY, f.viewed)) AS viewed,
    arraySort(x -> x.1, arrayFilter((x, i) -> i = 1 OR x.1 != bought_sorted[i - 1].1, bought_sorted, arrayEnumerate(bought_sorted))) AS bought,
    toUInt32(length(f.orders)) AS orders,
    round(arraySum(x -> x.4, f.orders), 2) AS revenue,
    if(length(f.orders) > 0, arrayMin(x -> x.2, f.orders), NULL) AS first_order_at,
    if(length(f.orders) > 0, arrayMax(x -> x.2, f.orders), NULL) AS last_order_at,
    if(length(f.orders) > 0, arrayReverseSort(x -> (x.2, x.1), f.orders)[1].1, '') AS last_order_id
FROM
(
    SELECT *, arrayReverseSort(x -> (x.1, x.2), arrayFlatten(arrayMap(o -> arrayMap(p -> (p, o.2), o.5), orders))) AS bought_sorted
    FROM f
) AS f
LEFT JOIN visits AS v ON v.person_id = f.person_id
LEFT JOIN carts AS c ON c.person_id = f.person_id
LEFT JOIN idents AS id ON id.person_id = f.person_id`
