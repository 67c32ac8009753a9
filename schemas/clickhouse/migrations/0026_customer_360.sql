-- One row per person: who they are, what they agreed to, how and how much they buy.
-- - Identifiers: user ids and anonymous ids as sent; email, phone and loyalty card only as
--   SHA-256 (email trimmed and lower-cased; phone without spaces, dots, dashes, brackets).
-- - traits: `persons`' traits (the latest value of each trait across identify calls, Segment's
--   merge) without the PII ones (email, phone, names, address, birthday, loyalty_card).
-- - consent: the categories of the person's latest event that states them (a Consent Updated's
--   properties, else context.consent), as consent_current (0040) defines it.
-- - channels: web, app, server, store (see `activity`).
-- - last_products_viewed: up to 5 distinct product ids, latest first.
CREATE OR REPLACE VIEW {{db}}.customer_360 AS
WITH
seen AS
(
    SELECT
        person_id,
        min(timestamp) AS first_seen,
        max(timestamp) AS last_seen,
        arraySort(groupUniqArrayIf(user_id, user_id != '')) AS user_ids,
        arraySort(groupUniqArrayIf(anonymous_id, anonymous_id != '')) AS anonymous_ids,
        arraySort(groupUniqArray(channel)) AS channels,
        argMaxIf(
            if(event = 'Consent Updated' AND JSONHas(properties, 'categories'),
                JSONExtract(properties, 'categories', 'Array(String)'),
                JSONExtract(consent, 'categories', 'Array(String)')),
            (timestamp, message_id),
            (type = 'track' AND event = 'Consent Updated') OR JSONHas(consent, 'categories')) AS consent_now,
        argMaxIf(
            multiIf(
                JSONExtractString(properties, 'policyVersion') != '', JSONExtractString(properties, 'policyVersion'),
                JSONExtractString(properties, 'policy_version') != '', JSONExtractString(properties, 'policy_version'),
                JSONExtractString(consent, 'policyVersion')),
            (timestamp, message_id),
            (type = 'track' AND event = 'Consent Updated') OR JSONHas(consent, 'categories')) AS policy_now,
        arraySlice(arrayDistinct(arrayMap(x -> x.2, arrayReverseSort(
            groupArrayIf((timestamp, product_id), event = 'Product Viewed' AND product_id != '')))), 1, 5) AS last_products_viewed
    FROM {{db}}.activity
    GROUP BY person_id
),
identity AS
(
    SELECT
        person_id,
        JSONExtractString(traits, 'email') AS email,
        JSONExtractString(traits, 'phone') AS phone,
        JSONExtractString(traits, 'loyalty_card') AS loyalty_card,
        arraySort(JSONExtractKeysAndValuesRaw(traits)) AS kv
    FROM {{db}}.persons
),
visits AS
(
    SELECT person_id, count() AS sessions, countIf(is_visit) AS visits FROM {{db}}.sessions GROUP BY person_id
),
bought AS
(
    SELECT
        person_id,
        count() AS orders,
        round(sum(revenue), 2) AS revenue,
        min(ordered_at) AS first_order_at,
        max(ordered_at) AS last_order_at
    FROM {{db}}.orders
    GROUP BY person_id
)
SELECT
    s.person_id AS person_id,
    s.user_ids AS user_ids,
    s.anonymous_ids AS anonymous_ids,
    if(i.email = '', '', lower(hex(SHA256(lower(trim(i.email)))))) AS email_sha256,
    if(i.phone = '', '', lower(hex(SHA256(replaceRegexpAll(i.phone, '[\\s.()-]', ''))))) AS phone_sha256,
    if(i.loyalty_card = '', '', lower(hex(SHA256(i.loyalty_card)))) AS loyalty_card_sha256,
    concat('{', arrayStringConcat(arrayMap(x -> concat(toJSONString(x.1), ':', x.2),
        arrayFilter(x -> x.1 NOT IN ('email', 'phone', 'first_name', 'last_name', 'firstName', 'lastName',
            'name', 'address', 'birthday', 'loyalty_card'), i.kv)), ','), '}') AS traits,
    s.consent_now AS consent_categories,
    s.policy_now AS consent_policy_version,
    has(consent_categories, 'marketing') AS marketing_consent,
    s.first_seen AS first_seen,
    s.last_seen AS last_seen,
    s.channels AS channels,
    v.sessions AS sessions,
    v.visits AS visits,
    b.orders AS orders,
    b.revenue AS revenue,
    round(b.revenue / nullIf(b.orders, 0), 2) AS avg_basket,
    if(b.orders > 0, b.first_order_at, NULL) AS first_order_at,
    if(b.orders > 0, b.last_order_at, NULL) AS last_order_at,
    s.last_products_viewed AS last_products_viewed,
    if(r.person_id != '', r.segment, 'prospect') AS rfm_segment,
    r.rfm_cell AS rfm_cell,
    p.propensity_30d AS propensity_30d
FROM seen AS s
LEFT JOIN identity AS i ON i.person_id = s.person_id
LEFT JOIN visits AS v ON v.person_id = s.person_id
LEFT JOIN bought AS b ON b.person_id = s.person_id
LEFT JOIN {{db}}.rfm_segments AS r ON r.person_id = s.person_id
LEFT JOIN {{db}}.propensity_scores AS p ON p.person_id = s.person_id;
