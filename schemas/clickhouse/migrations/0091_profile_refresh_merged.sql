-- A refresh run's merged states (docs/profiles.md#storage), one row per person: the run computes
-- them once, saves them into profile_folds and computes the profiles from this Memory copy. Reading
-- 5,000 states back from EmbeddedRocksDB right after writing them took 0.7 s of a 1.9 s run on the
-- bench machine; from here, 0.07 s.
CREATE TABLE IF NOT EXISTS {{db}}.profile_refresh_merged AS {{db}}.profile_refresh_folds
ENGINE = Memory;
