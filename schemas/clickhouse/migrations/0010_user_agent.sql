-- The collector parses the user agent (context.userAgent, else the request's header).
ALTER TABLE {{db}}.events
    ADD COLUMN IF NOT EXISTS browser         LowCardinality(String) AFTER user_agent,
    ADD COLUMN IF NOT EXISTS browser_version LowCardinality(String) AFTER browser,
    ADD COLUMN IF NOT EXISTS os              LowCardinality(String) AFTER browser_version,
    ADD COLUMN IF NOT EXISTS device_type     LowCardinality(String) AFTER os,
    ADD COLUMN IF NOT EXISTS is_bot          Bool AFTER device_type;
