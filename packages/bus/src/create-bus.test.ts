import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Bus, BusRecord } from './bus.js'
import { createBusFromConfig } from './create-bus.js'
import { IN_PROCESS_TAIL_BYTES } from './local/index.js'

const dirs: string[] = []
const buses: Bus[] = []
afterEach(async () => {
  await Promise.allSettled(buses.splice(0).map((b) => b.close()))
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

/** A local bus from config, one record produced with its parsed value, read back by a taker. */
async function roundTrip(localTailBytes?: number): Promise<BusRecord> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sillage-create-bus-'))
  dirs.push(dir)
  const bus = createBusFromConfig({
    kind: 'local',
    kafkaBrokers: [],
    localDir: dir,
    clientId: 'test',
    ...(localTailBytes !== undefined && { localTailBytes }),
  })
  buses.push(bus)
  await bus.ensureTopics([{ name: 't', partitions: 1 }])
  const records: BusRecord[] = []
  await bus.subscribe({
    topic: 't',
    group: 'g',
    takeParsed: true,
    eachBatch: async (batch) => {
      records.push(...batch.records)
    },
  })
  const parsed = { event: 'Product Viewed' }
  await bus.produce('t', [{ key: 'k', value: Buffer.from(JSON.stringify(parsed)), parsed }])
  await vi.waitFor(() => expect(records).toHaveLength(1), { timeout: 10_000, interval: 10 })
  return records[0]!
}

describe('createBusFromConfig: the local bus in-memory tail', () => {
  it('keeps none by default: a record comes from the file, without the producer’s parsed value', async () => {
    const record = await roundTrip()
    expect(JSON.parse(record.value.toString())).toEqual({ event: 'Product Viewed' })
    expect(record.parsed).toBeUndefined()
  })

  it('keeps one with localTailBytes (sillage start): the taker gets the producer’s parsed value', async () => {
    const record = await roundTrip(IN_PROCESS_TAIL_BYTES)
    expect(record.parsed).toEqual({ event: 'Product Viewed' })
  })
})
