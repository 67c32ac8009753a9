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

/** Table functions reach outside the warehouse (docs/activation.md): none in an audience. */
const TABLE_FUNCTION_SQL: ReadonlyArray<readonly [string, string]> = [
  ['url', "SELECT person_id FROM url('http://169.254.169.254/latest/meta-data/', CSV, 'person_id String')"],
  ['file', "SELECT person_id FROM file('/etc/passwd', CSV, 'person_id String')"],
  ['remote', "SELECT person_id FROM remote('10.0.0.1:9000', sillage.persons)"],
  ['remoteSecure', "SELECT person_id FROM remoteSecure('10.0.0.1:9440', sillage.persons, 'default', '')"],
  ['s3', "SELECT person_id FROM s3('http://127.0.0.1:1/b/k.csv', CSV, 'person_id String')"],
  ['hdfs', "SELECT person_id FROM hdfs('hdfs://127.0.0.1:1/k', CSV, 'person_id String')"],
  ['mysql', "SELECT person_id FROM mysql('127.0.0.1:1', 'db', 't', 'u', 'p')"],
  ['postgresql', "SELECT person_id FROM postgresql('127.0.0.1:1', 'db', 't', 'u', 'p')"],
  ['executable', "SELECT person_id FROM executable('x.sh', CSV, 'person_id String')"],
  ['input', "SELECT person_id FROM input('person_id String')"],
  [
    'a join',
    "SELECT p.person_id FROM sillage.persons AS p JOIN URL('http://127.0.0.1:1/x', CSV, 'person_id String') AS u USING person_id",
  ],
  ['a comma join', "SELECT person_id FROM sillage.persons, s3Cluster('c', 'http://127.0.0.1:1/k')"],
  [
    'an IN subquery',
    "SELECT person_id FROM sillage.persons WHERE person_id IN (SELECT person_id FROM `url`('http://127.0.0.1:1/x', CSV, 'person_id String'))",
  ],
]

describe('what an audience query may read', () => {
  it.each(TABLE_FUNCTION_SQL)('refuses %s (a table function)', (_name, sql) => {
    expect(sqlShapeProblem(sql)).toMatch(/table function/)
    expect(() => compileSql(sql, 'sillage')).toThrow(/table function/)
  })

  it('refuses a SETTINGS clause', () => {
    const sql = 'SELECT person_id FROM sillage.persons SETTINGS readonly = 0'
    expect(sqlShapeProblem(sql)).toMatch(/SETTINGS/)
    const nested = 'SELECT person_id FROM (SELECT person_id FROM sillage.persons settings max_threads = 1)'
    expect(sqlShapeProblem(nested)).toMatch(/SETTINGS/)
  })

  it('takes tables, ordinary functions, and the words inside strings', () => {
    for (const sql of [
      "SELECT person_id FROM sillage.customer_360 WHERE lower(segment) = 'url(' AND length(person_id) > 0",
      "SELECT person_id FROM sillage.persons WHERE person_id IN (SELECT person_id FROM sillage.orders) AND 'settings' != ''",
    ])
      expect(sqlShapeProblem(sql)).toBeUndefined()
  })

  it('is refused when the activation file is read', () => {
    const file = (sql: string) => JSON.stringify({ audiences: [{ id: 'a', sql, destinations: [] }] })
    expect(() => parseActivationFile(file(TABLE_FUNCTION_SQL[0]![1]))).toThrow(
      /audiences\.a\.sql: .*table function/,
    )
  })
})
