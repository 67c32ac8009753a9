import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Batch, Bus, BusRecord, ProduceMessage } from '../bus.js'
import { createFaultFileOps } from './fault-file-ops.js'
import { createLocalBus, type LocalBusOptions } from './local-bus.js'
import { createTailCache, tailEntryOf, type TailEntry } from './tail-cache.js'

const dirs: string[] = []
const buses: Bus[] = []

afterEach(async () => {
  await Promise.allSettled(buses.splice(0).map((b) => b.close()))
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

function open(options: Partial<LocalBusOptions> = {}, dir?: string): { bus: Bus; dir: string } {
  dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'sillage-tail-'))
  if (!dirs.includes(dir)) dirs.push(dir)
  const noop = (): void => {}
  const bus = createLocalBus({
    dir,
    tailBytes: 8 * 1024 * 1024, // off by default (tail-cache.ts)
    retryBackoff: { initialMs: 10, maxMs: 50 },
    log: { info: noop, warn: noop, error: noop },
    ...options,
  })
  buses.push(bus)
  return { bus, dir }
}

const event = (i: number): { i: number; name: string } => ({ i, name: `event ${i} ${'x'.repeat(100)}` })
const message = (i: number): ProduceMessage => {
  const parsed = event(i)
  return { key: 'k', value: Buffer.from(JSON.stringify(parsed)), parsed }
}
const until = (assertion: () => void): Promise<void> =>
  vi.waitFor(assertion, { timeout: 10_000, interval: 10 })

function consume(bus: Bus, extra: Partial<Parameters<Bus['subscribe']>[0]> = {}) {
  const batches: Batch[] = []
  const records: BusRecord[] = []
  const subscription = bus.subscribe({
    topic: 't',
    group: 'g',
    ...extra,
    eachBatch: async (batch) => {
      batches.push(batch)
      records.push(...batch.records)
    },
  })
  return { batches, records, subscription }
}

describe('tail cache (pure)', () => {
  const entry = (offset: number, bytes: number): TailEntry => {
    const value = Buffer.alloc(bytes, 1)
    const e = tailEntryOf(Buffer.concat([Buffer.alloc(8), value]), { key: null, value }, offset, 0)
    e.segmentBase = 0
    e.endPosition = (offset + 1) * (bytes + 8)
    return e
  }

  it('serves contiguous durable entries, counts their bytes, and forgets the oldest past its size', () => {
    const tail = createTailCache(300)
    for (let offset = 0; offset < 5; offset++) tail.add(entry(offset, 100))
    expect(tail.size).toBe(3) // 300 bytes: offsets 2, 3, 4
    expect(tail.read(1, 5, 10, 1000)).toBeUndefined()
    expect(tail.read(2, 4, 10, 1000)?.records.map((r) => r.offset)).toEqual([2, 3])
    expect(tail.read(2, 5, 10, 150)?.records.map((r) => r.offset)).toEqual([2, 3]) // stops past maxBytes
    expect(tail.read(3, 5, 1, 1000)).toMatchObject({ segmentBase: 0, position: 4 * 108 })
    expect(tail.bytesBetween(2, 5)).toBe(300)
    expect(tail.bytesBetween(3, 3)).toBe(0)
    expect(tail.bytesBetween(1, 5)).toBeUndefined()
  })

  it('never serves an entry not yet written, and drops the entries of a failed write', () => {
    const tail = createTailCache(10_000)
    tail.add(entry(0, 10))
    const unwritten = entry(1, 10)
    unwritten.endPosition = -1
    tail.add(unwritten)
    expect(tail.read(0, 2, 10, 1000)?.records.map((r) => r.offset)).toEqual([0])
    tail.dropFrom(1)
    expect(tail.size).toBe(1)
    tail.add(entry(1, 10)) // the offset is taken again by the next append
    expect(tail.read(1, 2, 10, 1000)?.records.map((r) => r.offset)).toEqual([1])
  })
})

describe('local bus: the tail in memory', () => {
  it("hands the consumer that takes them the producer's parsed values, then only the bytes: to other groups, and after a restart", async () => {
    const { bus, dir } = open()
    await bus.ensureTopics([{ name: 't', partitions: 1 }])
    const produced = [message(0), message(1), message(2)]
    await bus.produce('t', produced)
    const live = consume(bus, { takeParsed: true })
    await live.subscription
    await until(() => expect(live.records).toHaveLength(3))
    expect(live.records.map((r) => r.parsed)).toEqual(produced.map((m) => m.parsed))
    expect(live.records[0]!.parsed).toBe(produced[0]!.parsed) // not a copy: parsed once
    expect(live.records.map((r) => JSON.parse(r.value.toString()))).toEqual(produced.map((m) => m.parsed))
    // Taken: the tail holds the bytes only now, for any other group.
    const other = consume(bus, { group: 'second', takeParsed: true })
    await other.subscription
    await until(() => expect(other.records).toHaveLength(3))
    expect(other.records.every((r) => r.parsed === undefined)).toBe(true)
    expect(other.records.map((r) => r.value)).toEqual(live.records.map((r) => r.value))
    await bus.close()

    const reopened = open({}, dir).bus
    const fromDisk = consume(reopened, { group: 'other', takeParsed: true })
    await fromDisk.subscription
    await until(() => expect(fromDisk.records).toHaveLength(3))
    expect(fromDisk.records.every((r) => r.parsed === undefined)).toBe(true)
    expect(fromDisk.records.map((r) => r.value)).toEqual(live.records.map((r) => r.value))
  })

  it('keeps its own copy of the bytes: a producer reusing its buffer after produce changes nothing', async () => {
    const { bus } = open()
    await bus.ensureTopics([{ name: 't', partitions: 1 }])
    const value = Buffer.from('{"i":1}')
    await bus.produce('t', [{ key: null, value }])
    value.fill(0x20)
    const { records, subscription } = consume(bus)
    await subscription
    await until(() => expect(records).toHaveLength(1))
    expect(records[0]!.value.toString()).toBe('{"i":1}')
  })

  it('reads from the files what memory no longer holds, across segments, then from memory again', async () => {
    // A tail of ~3 records and segments of ~4: the consumer starts far behind.
    const { bus } = open({ tailBytes: 400, segmentBytes: 600 })
    await bus.ensureTopics([{ name: 't', partitions: 1 }])
    for (let i = 0; i < 20; i++) await bus.produce('t', [message(i)])
    const { records, subscription } = consume(bus, { maxBatchRecords: 4, takeParsed: true })
    await subscription
    await until(() => expect(records).toHaveLength(20))
    // Caught up: each new record is read from memory.
    for (let i = 20; i < 30; i++) {
      await bus.produce('t', [message(i)])
      await until(() => expect(records).toHaveLength(i + 1))
    }
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 30 }, (_, i) => i))
    expect(records.map((r) => (JSON.parse(r.value.toString()) as { i: number }).i)).toEqual(
      Array.from({ length: 30 }, (_, i) => i),
    )
    expect(records.slice(0, 10).every((r) => r.parsed === undefined)).toBe(true) // read from the files
    expect(records.slice(20).every((r) => r.parsed !== undefined)).toBe(true) // from memory
  })

  it('never hands over a record whose write failed, and goes on after the disk heals', async () => {
    const ops = createFaultFileOps()
    const { bus } = open({ fileOps: ops, recoveryProbeMs: 5 })
    await bus.ensureTopics([{ name: 't', partitions: 1 }])
    await bus.produce('t', [message(0)])
    ops.fail('EIO')
    await expect(bus.produce('t', [message(99)])).rejects.toThrow()
    ops.heal()
    await until(() => expect(bus.health().ready).toBe(true))
    await bus.produce('t', [message(1)])
    const { records, subscription } = consume(bus, { takeParsed: true })
    await subscription
    await until(() => expect(records).toHaveLength(2))
    expect(records.map((r) => (r.parsed as { i: number }).i)).toEqual([0, 1])
    expect(records.map((r) => r.offset)).toEqual([0, 1])
  })
})

describe('local bus: a batch waits for minBatchBytes, up to maxBatchWaitMs', () => {
  it('gathers records produced one by one into one batch while the wait lasts', async () => {
    const { bus } = open()
    await bus.ensureTopics([{ name: 't', partitions: 1 }])
    const { batches, records, subscription } = consume(bus, { minBatchBytes: 1500, maxBatchWaitMs: 60_000 })
    await subscription
    // Each record is ~125 bytes: twelve reach the 1,500 bytes, and only then is a batch handed over.
    for (let i = 0; i < 12; i++) await bus.produce('t', [message(i)])
    await until(() => expect(records).toHaveLength(12))
    expect(batches).toHaveLength(1)
  })

  it('hands over a lone record once the wait is over', async () => {
    const { bus } = open()
    await bus.ensureTopics([{ name: 't', partitions: 1 }])
    const { batches, subscription } = consume(bus, { minBatchBytes: 1 << 20, maxBatchWaitMs: 50 })
    await subscription
    await bus.produce('t', [message(0)])
    await until(() => expect(batches.map((b) => b.records.length)).toEqual([1]))
  })

  it('hands a lone record over at once to a consumer that has waited the whole wait already', async () => {
    const { bus } = open()
    await bus.ensureTopics([{ name: 't', partitions: 1 }])
    const { batches, subscription } = consume(bus, { minBatchBytes: 1 << 20, maxBatchWaitMs: 600_000 })
    await subscription
    await new Promise((r) => setTimeout(r, 100)) // the consumer asks for its first batch
    // Its ten minutes of waiting for anything go by (the clock only: the timers stay real).
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      vi.setSystemTime(Date.now() + 600_001)
      await bus.produce('t', [message(0)])
      // Waiting from the record's arrival, as before, would hold it ten more minutes.
      await until(() => expect(batches.map((b) => b.records.length)).toEqual([1]))
      // The next batch waits again (the consumer came back for it after this one).
      await bus.produce('t', [message(1)])
      await new Promise((r) => setTimeout(r, 300))
      expect(batches).toHaveLength(1)
    } finally {
      vi.useRealTimers()
    }
  })

  it('refuses batch bounds out of range', async () => {
    const { bus } = open()
    await bus.ensureTopics([{ name: 't', partitions: 1 }])
    const subscribe = (bounds: object) =>
      bus.subscribe({ topic: 't', group: 'g', eachBatch: async () => {}, ...bounds })
    await expect(subscribe({ minBatchBytes: -1 })).rejects.toThrow(/minBatchBytes/)
    await expect(subscribe({ maxBatchWaitMs: 1.5 })).rejects.toThrow(/maxBatchWaitMs/)
    await expect(subscribe({ maxBatchBytes: 0 })).rejects.toThrow(/maxBatchBytes/)
  })
})
