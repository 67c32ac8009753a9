import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { migrate } from './migrate.js'
import { createWarehouse } from './warehouse.js'

// Real chDB: one data dir per process, shared by the tests of this file.
const dataDir = mkdtempSync(join(tmpdir(), 'sillage-wh-'))
const warehouse = createWarehouse({ database: 'wh_test', dataDir })
afterAll(async () => {
  await warehouse.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const rows = async <T>(query: string, query_params: Record<string, unknown> = {}) =>
  (await warehouse.client.query({ query, query_params, format: 'JSONEachRow' })).json<T>()

describe('migrate on chDB', () => {
  it('applies every migration once and is idempotent', async () => {
    const first = await migrate(warehouse)
    expect(first.length).toBeGreaterThan(0)
    expect(await migrate(warehouse)).toEqual([])
    const tables = await rows<{ name: string }>(
      'SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name',
      {
        db: 'wh_test',
      },
    )
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'events',
        'message_ids',
        'identities',
        'person_overrides',
        'events_resolved',
        'schema_migrations',
      ]),
    )
  })

  it('fills message_ids with every insert into events, and events_resolved applies overrides', async () => {
    const base = {
      type: 'track',
      event: 'E',
      timestamp: '2026-01-01T00:00:00.000Z',
      received_at: '2026-01-01T00:00:00.000Z',
      source_id: 's',
    }
    await warehouse.client.insert({
      table: 'wh_test.events',
      values: [
        { ...base, message_id: 'm1', person_id: 'anon-p' },
        { ...base, message_id: 'm2', person_id: 'user-p' },
      ],
      format: 'JSONEachRow',
    })
    await warehouse.client.insert({
      table: 'wh_test.person_overrides',
      values: [
        { old_person_id: 'anon-p', person_id: 'user-p', version: 1, created_at: '2026-01-01T00:00:00.000Z' },
      ],
      format: 'JSONEachRow',
    })
    const ids = await rows<{ message_id: string }>(
      'SELECT message_id FROM wh_test.message_ids ORDER BY message_id',
    )
    expect(ids.map((r) => r.message_id)).toEqual(['m1', 'm2'])
    const resolved = await rows<{ message_id: string; person_id: string; stamped_person_id: string }>(
      'SELECT message_id, person_id, stamped_person_id FROM wh_test.events_resolved ORDER BY message_id',
    )
    expect(resolved).toEqual([
      { message_id: 'm1', person_id: 'user-p', stamped_person_id: 'anon-p' },
      { message_id: 'm2', person_id: 'user-p', stamped_person_id: 'user-p' },
    ])
  })

  it('deduplicates a retried insert that reuses its deduplication token', async () => {
    const row = {
      message_id: 'tok-1',
      type: 'track',
      event: 'E',
      timestamp: '2026-01-02T00:00:00Z',
      received_at: '2026-01-02T00:00:00Z',
    }
    for (let i = 0; i < 2; i++) {
      await warehouse.client.insert({
        table: 'wh_test.events',
        values: [row],
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: 'batch-42' },
      })
    }
    expect(
      await rows('SELECT message_id FROM wh_test.events WHERE message_id = {id:String}', { id: 'tok-1' }),
    ).toHaveLength(1)
  })
})
