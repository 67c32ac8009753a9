/**
 * The warehouse contract: what the repositories promise, as tests every transport runs (embedded
 * chDB and a ClickHouse server over HTTP). Imported by `src/chdb.contract.int.test.ts` and
 * `tests/clickhouse-http.int.test.ts`; not part of the package's runtime exports (it imports
 * vitest).
 *
 * Two parts (docs/clickhouse.md):
 * - transport: connectivity, and insertRows/selectRows on a table of the test's own (random
 *   name), with no query parameter and no setting a 2018 server lacks;
 * - schema (`schema: true`): every repository against the migrated schema. It needs query
 *   parameters, DateTime64, parameterised views and insert_deduplication_token: ClickHouse 23.x+.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  createEventsRepository,
  createIdentitiesRepository,
  createModelsRepository,
  createPrivacyRepository,
  insertRows,
  selectRows,
  type DeletionRequestRow,
  type Warehouse,
} from '../src/index.js'
import { dashboardContract } from './dashboard-contract.js'

export interface WarehouseContractFixture {
  /** A warehouse on its own database; migrated when `schema` is true. */
  warehouse: () => Warehouse
  /** Runs the schema part (the repositories on the migrated schema). */
  schema: boolean
}

const uniqueName = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`
const at = (s: number) => new Date(Date.UTC(2026, 2, 1, 10, 0, s)).toISOString()

export function describeWarehouseContract(name: string, fixture: WarehouseContractFixture): void {
  describe(`warehouse contract: ${name}`, () => {
    describe('transport', () => {
      it('answers a query', async () => {
        expect(await selectRows(fixture.warehouse(), 'SELECT 1 AS one')).toEqual([{ one: 1 }])
      })

      it('inserts JSONEachRow rows into a table and reads them back; no rows is a no-op', async () => {
        const warehouse = fixture.warehouse()
        const table = uniqueName('contract')
        const { client, database } = warehouse
        await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` })
        await client.command({
          query: `CREATE TABLE ${database}.${table} (id String, n UInt32, label String) ENGINE = MergeTree ORDER BY id`,
        })
        await insertRows(warehouse, table, [])
        await insertRows(warehouse, table, [
          { id: 'b', n: 2, label: 'deux' },
          { id: 'a', n: 1, label: 'un "quoted" ünïcode' },
        ])
        expect(
          await selectRows(warehouse, `SELECT id, n, label FROM ${database}.${table} ORDER BY id`),
        ).toEqual([
          { id: 'a', n: 1, label: 'un "quoted" ünïcode' },
          { id: 'b', n: 2, label: 'deux' },
        ])
        await client.command({ query: `DROP TABLE ${database}.${table}` })
      })
    })

    if (!fixture.schema) return
    describe('repositories on the migrated schema', () => {
      it('events: stores a batch once per token and finds its message ids', async () => {
        const warehouse = fixture.warehouse()
        const events = createEventsRepository(warehouse)
        const ids = [uniqueName('m'), uniqueName('m')]
        const rows = ids.map((message_id, i) => ({
          message_id,
          type: 'track',
          event: 'Contract',
          timestamp: at(i),
          received_at: at(i),
        }))
        const token = uniqueName('t')
        await events.insertEvents(rows, token)
        await events.insertEvents(rows, token)
        const [count] = await selectRows<{ n: string }>(
          warehouse,
          `SELECT count() AS n FROM ${warehouse.database}.events WHERE message_id IN {ids:Array(String)}`,
          { ids },
        )
        expect(Number(count?.n)).toBe(2)
        const asked = [...ids, 'never-stored'].map((messageId) => ({ messageId, originalTimestamp: null }))
        expect(await events.existingMessageIds(asked)).toEqual(new Set(ids))
        expect(await events.existingMessageIds(asked, [at(0), at(5)])).toEqual(new Set(ids))
      })

      it('identities and privacy: a person is resolved through identities and overrides', async () => {
        const warehouse = fixture.warehouse()
        const identities = createIdentitiesRepository(warehouse)
        const privacy = createPrivacyRepository(warehouse)
        const [p1, p2] = [randomUUID().replaceAll('-', ''), randomUUID().replaceAll('-', '')] as const
        const email = `${uniqueName('c')}@example.com`
        await identities.insertIdentities(
          [{ id_type: 'email', id_value: email, person_id: p1, version: 1, updated_at: at(0) }],
          uniqueName('t'),
        )
        await identities.insertOverrides(
          [{ old_person_id: p2, person_id: p1, version: 2, created_at: at(1) }],
          uniqueName('t'),
        )
        const resolved = await privacy.resolve({ kind: 'identifier', id: { type: 'email', value: email } })
        expect(resolved.persons).toEqual([p1, p2].sort())
        expect(resolved.identifiers).toEqual([{ type: 'email', value: email }])
        const tables = await privacy.tables()
        expect(
          await privacy.count(tables, {
            persons: [p1, p2],
            users: [],
            anonymous: [],
            keys: [`email:${email}`],
            messages: [],
          }),
        ).toMatchObject({ identities: 1, person_overrides: 1 })
      })

      it('privacy: records a deletion request and reads its latest state back', async () => {
        const privacy = createPrivacyRepository(fixture.warehouse())
        const row: DeletionRequestRow = {
          request_id: randomUUID(),
          subject_type: 'email',
          subject_key: uniqueName('k'),
          reference: 'TICKET-1',
          status: 'requested',
          requested_at: at(0),
          completed_at: null,
          persons: 0,
          identifiers: 0,
          deleted_rows: '{}',
          error: '',
          version: 1,
        }
        await privacy.recordRequest(row)
        await privacy.recordRequest({
          ...row,
          status: 'completed',
          completed_at: at(3),
          persons: 1,
          version: 2,
        })
        expect(await privacy.getRequest(row.request_id)).toMatchObject({ status: 'completed', persons: 1 })
        expect(await privacy.getRequest(randomUUID())).toBeUndefined()
      })

      it('models: no abandoned cart in a warehouse without carts', async () => {
        const models = createModelsRepository(fixture.warehouse())
        expect(
          await models.abandonedCarts({ windowMinutes: 30, since: new Date(0), graceMs: 0, limit: 10 }),
        ).toEqual([])
      })

      dashboardContract(fixture.warehouse)
    })
  })
}
