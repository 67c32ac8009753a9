-- Analyst models, part 1: what people did (docs/analysts.md). Every model is a plain view over
-- events_resolved, so it follows identity merges retroactively; see docs/analysts.md for why none
-- is materialised yet, and what to materialise at scale.

-- People's events: events_resolved without bots and without the events Sillage derives itself
-- (source_id 'sillage', e.g. Cart Abandoned), with the channel each event came through:
-- context.channel when the sender says it ('store' for a point of sale; RudderStack's 'mobile'
-- counts as 'app'), else 'app' for screens and app contexts, 'web' for pages and browser
-- libraries, 'server' for the rest. Columns are listed, not '*': a view's columns are fixed when
-- it is created (see 0011), and a listed set stays the same when events gains columns.
CREATE OR REPLACE VIEW {{db}}.activity AS
SELECT
    message_id, type, event, name, timestamp, received_at, anonymous_id, user_id, person_id,
    stamped_person_id, session_id, source_id, page_url, page_path, page_title, referrer,
    utm_source, utm_medium, utm_campaign, utm_term, utm_content, revenue, currency, order_id,
    product_id, browser, os, device_type, library_name, consent, properties, traits, context,
    multiIf(
        lower(JSONExtractString(context, 'channel')) = 'mobile', 'app',
        JSONExtractString(context, 'channel') != '', lower(JSONExtractString(context, 'channel')),
        type = 'screen' OR JSONHas(context, 'app'), 'app',
        page_url != '' OR library_name IN ('sillage.js', 'analytics.js', 'analytics-next'), 'web',
        'server'
    ) AS channel
FROM {{db}}.events_resolved
WHERE source_id != 'sillage' AND NOT is_bot;

-- One row per session of a person. A new session starts at a person's first event, after 30
-- minutes without events, or when the SDK's session id (context.sessionId) changes; events
-- without one (app, server, shop) join the session they fall in, by inactivity alone.
-- session_key is unique (person and first event); session_id is the SDK's id, or 'sil-' and the
-- key's hash when the events carried none. Attribution (referrer, UTM, source) is the landing
-- page's. source: utm_source, else the referrer's host when it is not the shop's own, else
-- '(direct)'; '(store)' for a session in a shop. is_visit: at least one page or screen (the
-- sessions traffic KPIs count). bounced: one page or screen and no add, checkout or order.
CREATE OR REPLACE VIEW {{db}}.sessions AS
WITH
marked AS
(
    SELECT
        *,
        if(
            prev_ts IS NULL
                OR toUnixTimestamp64Milli(timestamp) - toUnixTimestamp64Milli(assumeNotNull(prev_ts)) > 30 * 60000
                OR (session_id != '' AND prev_sid IS NOT NULL AND session_id != prev_sid),
            1, 0) AS is_new
    FROM
    (
        SELECT
            person_id, message_id, timestamp, type, event, name, user_id, session_id, page_url, page_path,
            referrer, utm_source, utm_medium, utm_campaign, device_type, browser, os, channel, revenue,
            order_id,
            lagInFrame(toNullable(timestamp)) OVER w AS prev_ts,
            last_value(nullIf(session_id, '')) OVER (PARTITION BY person_id ORDER BY timestamp, message_id
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_sid
        FROM {{db}}.activity
        WINDOW w AS (PARTITION BY person_id ORDER BY timestamp, message_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    )
),
numbered AS
(
    SELECT
        *,
        sum(is_new) OVER (PARTITION BY person_id ORDER BY timestamp, message_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session_number
    FROM marked
),
grouped AS
(
    SELECT
        person_id,
        concat(person_id, ':', argMin(message_id, (timestamp, message_id))) AS session_key,
        argMinIf(session_id, (timestamp, message_id), session_id != '') AS sdk_session_id,
        min(timestamp) AS session_start,
        max(timestamp) AS session_end,
        count() AS events,
        countIf(type IN ('page', 'screen')) AS pages,
        argMinIf(if(type = 'screen', name, page_path), (timestamp, message_id), type IN ('page', 'screen')) AS landing_page,
        argMaxIf(if(type = 'screen', name, page_path), (timestamp, message_id), type IN ('page', 'screen')) AS exit_page,
        argMinIf(page_url, (timestamp, message_id), type = 'page') AS landing_url,
        argMinIf(referrer, (timestamp, message_id), type = 'page') AS referrer,
        argMinIf(utm_source, (timestamp, message_id), type IN ('page', 'screen')) AS utm_source,
        argMinIf(utm_medium, (timestamp, message_id), type IN ('page', 'screen')) AS utm_medium,
        argMinIf(utm_campaign, (timestamp, message_id), type IN ('page', 'screen')) AS utm_campaign,
        argMin(channel, (timestamp, message_id)) AS channel,
        argMinIf(device_type, (timestamp, message_id), device_type != '') AS device_type,
        argMinIf(browser, (timestamp, message_id), browser != '') AS browser,
        argMinIf(os, (timestamp, message_id), os != '') AS os,
        argMaxIf(user_id, (timestamp, message_id), user_id != '') AS user_id,
        countIf(event = 'Product Viewed') AS product_views,
        countIf(event = 'Product Added') > 0 AS added_to_cart,
        countIf(event = 'Checkout Started') > 0 AS checkout_started,
        arraySort(groupUniqArrayIf(order_id, event = 'Order Completed' AND order_id != '')) AS order_ids,
        round(arraySum(x -> x.2, groupUniqArrayIf((order_id, ifNull(revenue, 0)), event = 'Order Completed' AND order_id != '')), 2) AS revenue
    FROM numbered
    GROUP BY person_id, session_number
)
SELECT
    session_key,
    if(sdk_session_id != '', sdk_session_id, concat('sil-', substring(lower(hex(SHA256(session_key))), 1, 16))) AS session_id,
    person_id,
    user_id,
    session_start,
    session_end,
    intDiv(toUnixTimestamp64Milli(session_end) - toUnixTimestamp64Milli(session_start), 1000) AS duration_seconds,
    events,
    pages,
    product_views,
    landing_page,
    exit_page,
    referrer,
    domainWithoutWWW(referrer) AS referrer_host,
    utm_source,
    utm_medium,
    utm_campaign,
    multiIf(
        channel = 'store', '(store)',
        utm_source != '', utm_source,
        domainWithoutWWW(referrer) NOT IN ('', domainWithoutWWW(landing_url)), domainWithoutWWW(referrer),
        '(direct)'
    ) AS source,
    channel,
    device_type,
    browser,
    os,
    pages > 0 AS is_visit,
    pages = 1 AND NOT added_to_cart AND NOT checkout_started AND length(order_ids) = 0 AS bounced,
    added_to_cart,
    checkout_started,
    length(order_ids) > 0 AS converted,
    length(order_ids) AS orders,
    order_ids,
    revenue
FROM grouped;
