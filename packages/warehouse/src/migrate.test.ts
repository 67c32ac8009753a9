import { describe, expect, it } from 'vitest'
import { loadMigrations, splitStatements } from './migrate.js'

describe('migrations', () => {
  it('splits statements on ";" at line end and drops comment lines', () => {
    expect(
      splitStatements('-- a comment\nCREATE TABLE x (a String);\n\nCREATE VIEW v AS SELECT 1;\n'),
    ).toEqual(['CREATE TABLE x (a String)', 'CREATE VIEW v AS SELECT 1'])
  })

  // A DELETE is a one-off data step (0051 drops the refresher's watermark so that profiles built
  // before the folds are rebuilt); running it twice leaves the same data, so it is idempotent too.
  // So is an INSERT … SELECT into a ReplacingMergeTree keyed by what it copies (0093 copies the
  // dedup index from events: a second run adds rows that merge away), and a DROP … IF EXISTS.
  it('loads numbered files in order, with the database substituted and every statement idempotent', () => {
    const migrations = loadMigrations('analytics')
    expect(migrations.map((m) => m.version)).toEqual(
      [...migrations.map((m) => m.version)].sort((a, b) => a - b),
    )
    expect(migrations[0]?.version).toBe(1)
    for (const m of migrations) {
      for (const s of m.statements) {
        expect(s).not.toContain('{{db}}')
        expect(s).toMatch(
          /^(CREATE (TABLE|VIEW|MATERIALIZED VIEW) IF NOT EXISTS|CREATE OR REPLACE VIEW|ALTER TABLE|DELETE FROM|INSERT INTO|DROP (TABLE|VIEW) IF EXISTS) analytics\./,
        )
        if (s.startsWith('ALTER'))
          expect(s).toMatch(
            /ADD (COLUMN|INDEX) IF NOT EXISTS|MATERIALIZE (COLUMN|INDEX)|MODIFY SETTING \w+ = \w+$/,
          )
        if (s.startsWith('DELETE')) expect(s).toMatch(/^DELETE FROM analytics\.\w+ WHERE /)
        if (s.startsWith('INSERT')) expect(s).toMatch(/^INSERT INTO analytics\.\w+\s+SELECT /)
      }
    }
  })
})
