import { describe, expect, it } from 'vitest'
import { parseActivationFile } from './activation-file.js'
import { compileSql } from './audience-sql.js'
import { sqlShapeProblem } from './sql-shape.js'

describe('an audience query’s shape', () => {
  it.each([
    'SELECT person_id FROM sillage.customer_360 WHERE orders >= 2',
    "SELECT person_id FROM sillage.persons WHERE name = ')) UNION ALL ; -- /* #' AND x IN (1, (2))",
    "SELECT person_id FROM sillage.persons WHERE name = 'it''s' OR name = \"a\\\"(\" OR `c)` = 1",
  ])('takes %s', (sql) => {
    expect(sqlShapeProblem(sql)).toBeUndefined()
    expect(() => compileSql(sql, 'sillage')).not.toThrow()
  })

  it.each([
    // The consent bypass: close the wrapper's brackets, add everyone without consent.
    [
      'SELECT person_id FROM sillage.persons WHERE 0)) AS q UNION ALL SELECT person_id FROM sillage.consent_current WHERE NOT marketing_contactable UNION ALL SELECT q.person_id FROM ((SELECT person_id FROM sillage.persons WHERE 0',
      'closes a bracket',
    ],
    ['SELECT person_id FROM sillage.persons) UNION ALL (SELECT 1', 'closes a bracket'],
    ['SELECT person_id FROM (SELECT person_id FROM sillage.persons', 'not closed'],
    ['SELECT person_id FROM sillage.persons; DROP TABLE sillage.events', 'without ";"'],
    ['SELECT person_id FROM sillage.persons -- ', 'comments'],
    ['SELECT person_id FROM sillage.persons /* ) */', 'comments'],
    ["SELECT person_id FROM sillage.persons WHERE name = 'open", 'quote'],
  ])('refuses %s', (sql, problem) => {
    expect(sqlShapeProblem(sql)).toContain(problem)
    expect(() => compileSql(sql, 'sillage')).toThrow(problem)
  })

  it('still drops one trailing semicolon', () => {
    expect(() => compileSql('SELECT person_id FROM sillage.persons;', 'sillage')).not.toThrow()
  })

  it('is checked when the definitions are read, not at the first sync', () => {
    const file = (sql: string) => JSON.stringify({ audiences: [{ id: 'a', sql, destinations: [] }] })
    expect(() => parseActivationFile(file('SELECT person_id FROM sillage.persons'))).not.toThrow()
    expect(() =>
      parseActivationFile(file('SELECT person_id FROM sillage.persons) UNION ALL (SELECT 1')),
    ).toThrow(/audiences\.a\.sql: a "\)" closes a bracket/)
  })
})
