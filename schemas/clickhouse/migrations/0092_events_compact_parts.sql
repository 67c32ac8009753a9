-- Compact parts up to 128 MiB of data (ClickHouse's default switches to wide parts at 10 MiB).
-- A wide part of events is ~90 files, a compact one a handful: under load, the merges created
-- thousands of files a minute, and creating them cost ~12% of the process's CPU on the bench
-- machine (docs/clickhouse.md, docs/benchmarks.md). The models' large parts stay wide.
ALTER TABLE {{db}}.events MODIFY SETTING min_bytes_for_wide_part = 134217728;
