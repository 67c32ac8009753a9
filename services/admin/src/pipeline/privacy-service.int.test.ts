/**
 * An erasure in `sillage start` against the real chDB store and local bus: a profiles run that read
 * the person before the erasure and writes back while it runs (jobsInFlight) leaves nothing behind
 * once the erasure returns, in the stored tables and in the refresher's working rows (Memory), which
 * an export leaves out.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, type Bus } from '@sillage/bus'
import { createLogger } from '@sillage/runtime'
import { createPrivacyRepository, createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { identityNormaliser } from '../privacy-admin.js'
import { createPrivacyService } from './privacy-service.js'

const dir = mkdtempSync(join(tmpdir(), 'sillage-privacy-service-'))
let warehouse: Warehouse
let bus: Bus

beforeAll(async () => {
  warehouse = createWarehouse({ database: 'sillage', dataDir: join(dir, 'ch') })
  await migrate(warehouse)
  bus = createLocalBus({ dir: join(dir, 'bus') })
  await bus.ensureTopics(defaultTopicSpecs(1))
})

afterAll(async () => {
  await bus?.close()
  await warehouse?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The person's rows in `table` (a table of the profile store, where the rows name a person). */
const rowsIn = async (table: string, personId: string) => {
  const rs = await warehouse.client.query({
    query: `SELECT count() AS n FROM sillage.${table} WHERE person_id = {p:String}`,
    query_params: { p: personId },
    format: 'JSONEachRow',
  })
  return Number((await rs.json<{ n: string }>())[0]?.n)
}
const rowsOf = (personId: string) => rowsIn('profile_identifiers', personId)
const writeBack = (personId: string) =>
  warehouse.client.insert({
    table: 'sillage.profile_identifiers',
    values: [{ id_key: `user_id:${personId}-user`, person_id: personId, updated_at: Date.now() }],
    format: 'JSONEachRow',
  })

/** A merged state the refresher keeps between runs (its hot copy, a Memory table). */
const keepState = (personId: string) =>
  warehouse.client.command({
    query: `INSERT INTO sillage.profile_refresh_merged (run_id, person_id) VALUES ('run-1', {p:String})`,
    query_params: { p: personId },
  })
const keptStates = (personId: string) => rowsIn('profile_refresh_merged', personId)
const service = (jobsInFlight?: () => Promise<void>) =>
  createPrivacyService({
    store: createPrivacyRepository(warehouse),
    bus,
    log: createLogger({ level: 'silent' }),
    normalise: identityNormaliser(),
    ...(jobsInFlight && { jobsInFlight }),
  })

describe("the refresher's working rows", () => {
  it('are erased with the person, written back by a run in flight or not', async () => {
    const person = 'f0e1d2c3b4a5968778695a4b3c2d1e0f'
    await keepState(person)
    const report = await service(() => keepState(person)).erase({ type: 'person_id', value: person })
    expect(report.deletedRows['profile_refresh_merged']).toBe(2)
    expect(await keptStates(person)).toBe(0)
  })

  it('are not exported (a copy of the stored profile)', async () => {
    const person = '0f1e2d3c4b5a69788796a5b4c3d2e1f0'
    await writeBack(person)
    await keepState(person)
    const doc = await service().exportSubject({ type: 'person_id', value: person })
    expect(Object.keys(doc.tables)).toEqual(['profile_identifiers'])
  })
})

describe('erasure with jobs in flight (sillage start)', () => {
  it('deletes what a profiles run wrote back while the erasure waited for it', async () => {
    const person = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'
    await writeBack(person)
    let waited = 0
    const privacy = createPrivacyService({
      store: createPrivacyRepository(warehouse),
      bus,
      log: createLogger({ level: 'silent' }),
      normalise: identityNormaliser(),
      // The run in flight had read the person before the erasure: it writes them back, then ends.
      jobsInFlight: async () => {
        waited++
        await writeBack(person)
      },
    })
    const report = await privacy.erase({ type: 'person_id', value: person })
    expect(waited).toBe(1)
    expect(report.deletedRows['profile_identifiers']).toBe(2)
    expect(await rowsOf(person)).toBe(0)
  })
})
