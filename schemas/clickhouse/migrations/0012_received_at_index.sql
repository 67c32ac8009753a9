-- Identity's recovery check reads events by received_at (a batch that a crash may have half
-- stored); events arrive in received_at order, so a minmax index prunes nearly every granule.
ALTER TABLE {{db}}.events ADD INDEX IF NOT EXISTS idx_received_at received_at TYPE minmax GRANULARITY 1;
