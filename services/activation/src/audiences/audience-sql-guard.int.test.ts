import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { createAudienceSqlGuard } from '../adapters/audience-sql-guard.js'
import { createAudienceStore } from '../adapters/clickhouse-audiences.js'
import { parseActivationFile } from '../domain/activation-file.js'
import { createAudienceSync } from './audience-sync.js'

// SQL audiences and table functions, on real chDB: the warehouse's own parser refuses them (even
// a query that got past the definition-time scanner), and an ordinary SQL audience still runs.
// A loopback server stands in for what url() and s3() would reach.
const dir = mkdtempSync(join(tmpdir(), 'sillage-audience-sql-guard-'))
let warehouse: Warehouse
let hits = 0
const server = createServer((req, res) => {
  hits++
  req.resume()
  res.writeHead(200, { 'content-type': 'text/csv' }).end('p-outside\n')
})
let base = ''

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  warehouse = createWarehouse({ database: 'sillage', dataDir: join(dir, 'ch') })
  await migrate(warehouse)
  await warehouse.client.insert({
    table: 'sillage.events',
    format: 'JSONEachRow',
    values: ['p1', 'p2'].map((p) => ({
      message_id: `consent-${p}`,
      type: 'track',
      event: 'Consent Updated',
      timestamp: '2026-01-01 00:00:00.000',
      received_at: '2026-01-01 00:00:00.000',
      person_id: p,
      properties: JSON.stringify({ categories: ['marketing'] }),
    })),
  })
})
afterAll(async () => {
  await warehouse?.close()
  server.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
  rmSync(dir, { recursive: true, force: true })
})

/** The consent wrapper around raw SQL, as compileSql builds it, without its scanner. */
const wrapped = (body: string) => ({
  sql: `SELECT DISTINCT q.person_id AS person_id FROM (SELECT person_id FROM (${body})) AS q`,
  params: {},
})

const REFUSED = () => [
  ['url', `SELECT person_id FROM url('${base}/x', CSV, 'person_id String')`],
  ['file', "SELECT person_id FROM file('/etc/hostname', CSV, 'person_id String')"],
  ['remote', "SELECT person_id FROM remote('127.0.0.1:1', sillage.persons)"],
  ['remoteSecure', "SELECT person_id FROM remoteSecure('127.0.0.1:1', sillage.persons, 'default', '')"],
  ['s3', `SELECT person_id FROM s3('${base}/b/k.csv', CSV, 'person_id String')`],
  ['hdfs', "SELECT person_id FROM hdfs('hdfs://127.0.0.1:1/k', CSV, 'person_id String')"],
  ['mysql', "SELECT person_id FROM mysql('127.0.0.1:1', 'db', 't', 'u', 'p')"],
  ['postgresql', "SELECT person_id FROM postgresql('127.0.0.1:1', 'db', 't', 'u', 'p')"],
  ['executable', "SELECT person_id FROM executable('x.sh', CSV, 'person_id String')"],
  ['input', "SELECT person_id FROM input('person_id String')"],
  ['numbers', 'SELECT toString(number) AS person_id FROM numbers(3)'],
  [
    'a join',
    `SELECT p.person_id FROM sillage.persons AS p JOIN url('${base}/j', CSV, 'person_id String') AS u USING person_id`,
  ],
  ['a comma join', `SELECT person_id FROM sillage.persons, s3('${base}/c', CSV, 'x String')`],
  [
    'an IN subquery',
    `SELECT person_id FROM sillage.persons WHERE person_id IN (SELECT person_id FROM url('${base}/i', CSV, 'person_id String'))`,
  ],
  ['the scalar file()', "SELECT file('/etc/hostname') AS person_id"],
  ['SETTINGS', 'SELECT person_id FROM sillage.persons SETTINGS readonly = 0'],
]

describe('SQL audiences and table functions (chDB)', () => {
  it('without the guard, chDB does fetch url() (what the guard is for)', async () => {
    const before = hits
    const members = await createAudienceStore(warehouse).members(
      wrapped(`SELECT person_id FROM url('${base}/control', CSV, 'person_id String')`),
    )
    expect(members).toEqual(['p-outside'])
    expect(hits).toBeGreaterThan(before)
  })

  it('the warehouse parser refuses each table function, SETTINGS and file(); nothing is fetched', async () => {
    const guard = createAudienceSqlGuard(warehouse)
    const before = hits
    for (const [name, sql] of REFUSED()) {
      const refused = await guard(wrapped(sql)).then(
        () => undefined,
        (err: unknown) => err,
      )
      expect(refused, name).toMatchObject({
        code: 'SIL_AUDIENCE_RULE',
        message: expect.stringMatching(/table function|SETTINGS|function file/),
      })
    }
    expect(hits).toBe(before)
  })

  it('each is refused when the definitions are read', () => {
    for (const [name, sql] of REFUSED()) {
      const file = JSON.stringify({ audiences: [{ id: 'a', sql, destinations: [] }] })
      expect(() => parseActivationFile(file), name).toThrow(/table function|SETTINGS/)
    }
  })

  it('an ordinary SQL audience is accepted and evaluated', async () => {
    const defs = parseActivationFile(
      JSON.stringify({
        audiences: [
          {
            id: 'ordinary',
            sql: "SELECT person_id FROM sillage.consent_current WHERE person_id IN ('p1', 'p3') AND lower(person_id) != ''",
            destinations: [],
          },
        ],
      }),
    )
    const sync = createAudienceSync({
      warehouse,
      log: createLogger({ level: 'silent' }),
      registry: createMetricsRegistry({ defaultMetrics: false }),
      emit: async () => {},
    })
    expect(await sync.preview(defs.audiences[0]!)).toEqual(['p1'])
  })
})
