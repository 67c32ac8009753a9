-- Audiences defined through the admin API (docs/activation.md): every version kept, one row per
-- (id, version); the latest version is the definition, `deleted` = 1 a deletion. `definition` is
-- the audience's JSON as the activation file would hold it (id, name, rule or sql, destinations).
CREATE TABLE IF NOT EXISTS {{db}}.activation_audiences
(
    id         String,
    version    UInt32,
    definition String,
    deleted    UInt8,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (id, version);
