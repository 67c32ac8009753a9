-- A refresh run's merged states (docs/profiles.md#storage), one row per person: the run computes
-- them once, saves them into profile_folds and computes the profiles from this Memory copy. Reading
-- 5,000 states back from EmbeddedRocksDB right after writing them took 0.7 s of a 1.9 s run on the
-- bench machine; from here, 0.07 s.
CREATE TABLE IF NOT EXISTS {{db}}.profile_refresh_merged AS {{db}}.profile_refresh_folds
ENGINE = Memory;

-- A refresh run's profile rows: saved into profiles, and read back from here by the reader's copy
-- (a Memory scan instead of one RocksDB get per profile).
CREATE TABLE IF NOT EXISTS {{db}}.profile_refresh_out AS {{db}}.profiles
ENGINE = Memory;
ALTER TABLE {{db}}.profile_refresh_out ADD COLUMN IF NOT EXISTS run_id String FIRST;
