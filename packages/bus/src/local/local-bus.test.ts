import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { BusError, type Batch, type Bus, type BusRecord, type ProduceMessage } from '../bus.js'
import { partitionForKey } from '../partitioner.js'
import { createLocalBus, type LocalBusOptions } from './local-bus.js'

interface LogEntry {
  level: 'info' | 'warn' | 'error'
  obj: Record<string, unknown>
  msg: string
}

const dirs: string[] = []
const buses: Bus[] = []

afterEach(async () => {
  await Promise.allSettled(buses.splice(0).map((b) => b.close()))
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sillage-local-bus-'))
  dirs.push(dir)
  return dir
}

function open(dir: string, options: Partial<LocalBusOptions> = {}): { bus: Bus; logs: LogEntry[] } {
  const logs: LogEntry[] = []
  const entry = (level: LogEntry['level']) => (obj: object, msg: string) =>
    logs.push({ level, obj: obj as Record<string, unknown>, msg })
  const bus = createLocalBus({
    dir,
    retryBackoff: { initialMs: 10, maxMs: 50 },
    log: { info: entry('info'), warn: entry('warn'), error: entry('error') },
    ...options,
  })
  buses.push(bus)
  return { bus, logs }
}

function msg(key: string | null, i: number, pad = 0): ProduceMessage {
  return { key, value: Buffer.from(JSON.stringify({ i, pad: 'p'.repeat(pad) })), headers: { i: String(i) } }
}

const seqOf = (r: BusRecord): number => (JSON.parse(r.value.toString()) as { i: number }).i

function collector(): { records: BusRecord[]; batches: Batch[]; handler: (b: Batch) => Promise<void> } {
  const records: BusRecord[] = []
  const batches: Batch[] = []
  return {
    records,
    batches,
    handler: async (batch) => {
      batches.push(batch)
      records.push(...batch.records)
    },
  }
}

const until = (assertion: () => void, timeout = 10_000): Promise<void> =>
  vi.waitFor(assertion, { timeout, interval: 10 })

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i)

function segmentFiles(dir: string, topic: string, partition = 0): string[] {
  return fs
    .readdirSync(path.join(dir, topic, String(partition)))
    .filter((f) => f.endsWith('.log'))
    .sort()
}

describe('local bus', () => {
  it('keeps per-key order and puts each key on the partition Kafka would pick', async () => {
    const { bus } = open(tempDir())
    await bus.ensureTopics([{ name: 'orders', partitions: 4 }])
    // Not awaited one by one: concurrent calls share flushes and must still keep call order per key.
    await Promise.all(range(0, 300).map((i) => bus.produce('orders', [msg(`k${i % 7}`, i)])))
    const sink = collector()
    await bus.subscribe({ topic: 'orders', group: 'g', maxBatchRecords: 16, eachBatch: sink.handler })
    await until(() => expect(sink.records).toHaveLength(300))

    for (let k = 0; k < 7; k++) {
      const ofKey = sink.records.filter((r) => r.key === `k${k}`)
      expect(ofKey.map(seqOf)).toEqual(range(0, 300).filter((i) => i % 7 === k))
      for (const r of ofKey) expect(r.partition).toBe(partitionForKey(`k${k}`, 4))
      for (const r of ofKey) expect(r.headers).toEqual({ i: String(seqOf(r)) })
    }
    for (const batch of sink.batches) {
      expect(batch.records.length).toBeLessThanOrEqual(16)
      expect(batch.records.map((r) => r.offset)).toEqual(
        range(batch.records[0]!.offset, batch.records[0]!.offset + batch.records.length),
      )
    }
  })

  it('delivers records produced after subscribing (consumers wake on new appends)', async () => {
    const { bus } = open(tempDir())
    await bus.ensureTopics([{ name: 'live', partitions: 2 }])
    const sink = collector()
    await bus.subscribe({ topic: 'live', group: 'g', eachBatch: sink.handler })
    for (let round = 0; round < 5; round++) {
      await bus.produce('live', [msg(null, round)])
      // Well under the 2 s fallback timer: delivery comes from the append's wake-up.
      await until(() => expect(sink.records).toHaveLength(round + 1), 1000)
    }
    expect(sink.records.map(seqOf)).toEqual(range(0, 5))
  })

  it('redelivers the same records after a handler rejection, then commits them', async () => {
    const dir = tempDir()
    const { bus } = open(dir)
    await bus.ensureTopics([{ name: 'alo', partitions: 1 }])
    await bus.produce(
      'alo',
      range(0, 12).map((i) => msg('k', i)),
    )
    const deliveries: number[][] = []
    const errors: { err: unknown; offsets: number[] }[] = []
    let failuresLeft = 3
    const sub = await bus.subscribe({
      topic: 'alo',
      group: 'g',
      maxBatchRecords: 5,
      eachBatch: async (batch) => {
        deliveries.push(batch.records.map((r) => r.offset))
        if (batch.records[0]!.offset === 5 && failuresLeft-- > 0) throw new Error('boom')
      },
      onError: (err, batch) => errors.push({ err, offsets: batch.records.map((r) => r.offset) }),
    })
    await until(() => expect(deliveries.at(-1)).toEqual([10, 11]))
    await sub.stop()

    expect(deliveries).toEqual([
      [0, 1, 2, 3, 4],
      [5, 6, 7, 8, 9],
      [5, 6, 7, 8, 9],
      [5, 6, 7, 8, 9],
      [5, 6, 7, 8, 9],
      [10, 11],
    ])
    expect(errors).toHaveLength(3)
    expect(errors.every((e) => e.err instanceof Error && e.err.message === 'boom')).toBe(true)
    expect(errors.map((e) => e.offsets)).toEqual([
      [5, 6, 7, 8, 9],
      [5, 6, 7, 8, 9],
      [5, 6, 7, 8, 9],
    ])

    // Everything was committed: the group gets only what comes next.
    await bus.produce('alo', [msg('k', 12)])
    const sink = collector()
    await bus.subscribe({ topic: 'alo', group: 'g', eachBatch: sink.handler })
    await until(() => expect(sink.records.map((r) => r.offset)).toEqual([12]))
  })

  it('resumes from committed offsets after close and reopen, redelivering what was never handled', async () => {
    const dir = tempDir()
    const first = open(dir).bus
    await first.ensureTopics([{ name: 'restart', partitions: 2 }])
    await first.produce(
      'restart',
      range(0, 40).map((i) => msg(`k${i % 4}`, i)),
    )
    const handled: BusRecord[] = []
    const poison = new Set([30, 31, 32, 33, 34, 35, 36, 37, 38, 39])
    let rejected = 0
    await first.subscribe({
      topic: 'restart',
      group: 'g',
      maxBatchRecords: 3,
      eachBatch: async (batch) => {
        if (batch.records.some((r) => poison.has(seqOf(r)))) throw new Error('not now')
        handled.push(...batch.records)
      },
      onError: () => rejected++,
    })
    await until(() => expect(rejected).toBeGreaterThanOrEqual(2))
    await first.close()

    const { bus } = open(dir)
    await bus.produce(
      'restart',
      range(40, 50).map((i) => msg(`k${i % 4}`, i)),
    )
    const sink = collector()
    await bus.subscribe({ topic: 'restart', group: 'g', eachBatch: sink.handler })
    const handledSeqs = new Set(handled.map(seqOf))
    const missing = range(0, 50).filter((i) => !handledSeqs.has(i))
    await until(() => expect(sink.records.map(seqOf).sort((a, b) => a - b)).toEqual(missing))
    for (const partition of [0, 1]) {
      const lastHandled = Math.max(
        -1,
        ...handled.filter((r) => r.partition === partition).map((r) => r.offset),
      )
      const resumed = sink.records.filter((r) => r.partition === partition).map((r) => r.offset)
      expect(resumed[0]).toBe(lastHandled + 1)
      expect(resumed).toEqual(range(lastHandled + 1, lastHandled + 1 + resumed.length))
    }
  })

  it('writes segments through O_DSYNC, the open one and one created by a roll (Linux: /proc)', async () => {
    const dir = tempDir()
    const { bus } = open(dir, { segmentBytes: 600 })
    await bus.ensureTopics([{ name: 'sync', partitions: 1 }])
    await bus.produce('sync', [msg('k', 0, 700)]) // past segmentBytes: the next produce rolls
    await bus.produce('sync', [msg('k', 1)])
    const segmentDir = fs.realpathSync(path.join(dir, 'sync', '0'))
    const target = (fd: string): string => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`)
      } catch {
        return '' // the descriptor readdirSync itself used, closed since
      }
    }
    const openSegments = fs
      .readdirSync('/proc/self/fd')
      .map((fd) => ({ fd, target: target(fd) }))
      .filter((f) => f.target.startsWith(segmentDir))
    expect(openSegments.map((f) => path.basename(f.target))).toEqual(['00000000000000000001.log'])
    for (const { fd } of openSegments) {
      const flags = parseInt(
        /^flags:\s+([0-7]+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!,
        8,
      )
      expect(flags & fs.constants.O_DSYNC).toBe(fs.constants.O_DSYNC)
    }
  })

  it('rolls segments at segmentBytes and reads across them, also resuming mid-segment', async () => {
    const dir = tempDir()
    const first = open(dir, { segmentBytes: 600 }).bus
    await first.ensureTopics([{ name: 'roll', partitions: 1 }])
    for (let i = 0; i < 50; i += 5)
      await first.produce(
        'roll',
        range(i, i + 5).map((j) => msg('k', j, 60)),
      )
    await first.produce('roll', [msg('k', 50, 2000)]) // larger than a segment: gets one of its own
    await first.produce('roll', [msg('k', 51)])

    const files = segmentFiles(dir, 'roll')
    expect(files.length).toBeGreaterThan(8)
    for (const file of files.slice(0, -1)) {
      const size = fs.statSync(path.join(dir, 'roll', '0', file)).size
      if (file !== files.at(-2)) expect(size).toBeLessThanOrEqual(600)
      expect(size).toBeGreaterThan(0)
    }
    expect(files[0]).toBe('00000000000000000000.log')
    expect(files.at(-1)).toBe('00000000000000000051.log')

    // Batches of 7 from offset 0: the group commits 21, which is not a segment base, and the
    // batch holding offset 23 is rejected.
    const bases = files.map((f) => Number(f.slice(0, 20)))
    expect(bases).not.toContain(21)
    const seen: number[] = []
    let rejected = 0
    await first.subscribe({
      topic: 'roll',
      group: 'g',
      maxBatchRecords: 7,
      eachBatch: async (batch) => {
        if (batch.records.some((r) => r.offset >= 23)) throw new Error('stop here')
        seen.push(...batch.records.map((r) => r.offset))
      },
      onError: () => rejected++,
    })
    await until(() => expect(rejected).toBeGreaterThan(0))
    expect(seen).toEqual(range(0, 21))
    await first.close()

    // Each segment's name is the offset of its first record.
    const { bus } = open(dir, { segmentBytes: 600 })
    const whole = collector()
    await bus.subscribe({ topic: 'roll', group: 'fresh', eachBatch: whole.handler })
    await until(() => expect(whole.records).toHaveLength(52))
    expect(whole.records.map(seqOf)).toEqual(range(0, 52))
    expect(whole.records.map((r) => r.offset)).toEqual(range(0, 52))
    // Committed offset 21 lies inside a segment: the reader seeks to it.
    const resumed = collector()
    await bus.subscribe({ topic: 'roll', group: 'g', eachBatch: resumed.handler })
    await until(() => expect(resumed.records.map((r) => r.offset)).toEqual(range(21, 52)))
    expect(resumed.records[0]!.offset).toBe(21)
  })

  it('gives each group every record independently, and splits partitions between members of one group', async () => {
    const { bus } = open(tempDir())
    await bus.ensureTopics([{ name: 'groups', partitions: 4 }])
    const other = collector()
    const a = collector()
    const b = collector()
    await bus.subscribe({ topic: 'groups', group: 'other', eachBatch: other.handler })
    const subA = await bus.subscribe({ topic: 'groups', group: 'shared', eachBatch: a.handler })
    await bus.subscribe({ topic: 'groups', group: 'shared', eachBatch: b.handler })
    await bus.produce(
      'groups',
      range(0, 40).map((i) => msg(`key-${i}`, i)),
    )

    await until(() => expect(a.records.length + b.records.length).toBe(40))
    await until(() => expect(other.records).toHaveLength(40))
    const partitionsA = new Set(a.records.map((r) => r.partition))
    const partitionsB = new Set(b.records.map((r) => r.partition))
    expect([...partitionsA].filter((p) => partitionsB.has(p))).toEqual([])
    expect(partitionsA.size).toBeGreaterThan(0)
    expect(partitionsB.size).toBeGreaterThan(0)
    expect([...a.records, ...b.records].map(seqOf).sort((x, y) => x - y)).toEqual(range(0, 40))

    await subA.stop()
    await bus.produce(
      'groups',
      range(40, 80).map((i) => msg(`key-${i}`, i)),
    )
    await until(() => expect(b.records.filter((r) => seqOf(r) >= 40)).toHaveLength(40))
    expect(a.records.filter((r) => seqOf(r) >= 40)).toHaveLength(0)
  })

  it('stop() waits for the in-flight batch and commits it', async () => {
    const dir = tempDir()
    const { bus } = open(dir)
    await bus.ensureTopics([{ name: 'stop', partitions: 1 }])
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let entered = false
    const sub = await bus.subscribe({
      topic: 'stop',
      group: 'g',
      eachBatch: async () => {
        entered = true
        await gate
      },
    })
    await bus.produce('stop', [msg('k', 0)])
    await until(() => expect(entered).toBe(true))
    let stopped = false
    const stopping = sub.stop().then(() => (stopped = true))
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
    expect(stopped).toBe(false)
    release()
    await stopping
    await bus.close()

    const reopened = open(dir).bus
    await reopened.produce('stop', [msg('k', 1)])
    const sink = collector()
    await reopened.subscribe({ topic: 'stop', group: 'g', eachBatch: sink.handler })
    await until(() => expect(sink.records.map((r) => r.offset)).toEqual([1]))
  })

  it('close() flushes produces in flight, then rejects with SIL_BUS_CLOSED', async () => {
    const dir = tempDir()
    const { bus } = open(dir)
    await bus.ensureTopics([{ name: 'closing', partitions: 2 }])
    expect(bus.health()).toEqual({ ready: true })
    const inFlight = bus.produce(
      'closing',
      range(0, 10).map((i) => msg(`k${i}`, i)),
    )
    const closing = bus.close()
    await expect(inFlight).resolves.toBeUndefined()
    await closing
    await bus.close()
    expect(bus.health()).toEqual({ ready: false, reason: 'closed' })
    const closedError = { name: 'BusError', code: 'SIL_BUS_CLOSED' }
    await expect(bus.produce('closing', [msg('k', 99)])).rejects.toMatchObject(closedError)
    await expect(
      bus.subscribe({ topic: 'closing', group: 'g', eachBatch: async () => {} }),
    ).rejects.toMatchObject(closedError)
    await expect(bus.ensureTopics([{ name: 'more', partitions: 1 }])).rejects.toMatchObject(closedError)

    const reopened = open(dir).bus
    const sink = collector()
    await reopened.subscribe({ topic: 'closing', group: 'g', eachBatch: sink.handler })
    await until(() => expect(sink.records.map(seqOf).sort((a, b) => a - b)).toEqual(range(0, 10)))
  })

  it('rejects unknown topics and invalid topic specs', async () => {
    const { bus } = open(tempDir())
    await expect(bus.produce('nope', [msg('k', 0)])).rejects.toMatchObject({ code: 'SIL_BUS_UNKNOWN_TOPIC' })
    await expect(
      bus.subscribe({ topic: 'nope', group: 'g', eachBatch: async () => {} }),
    ).rejects.toBeInstanceOf(BusError)
    await expect(bus.ensureTopics([{ name: '../escape', partitions: 1 }])).rejects.toThrow(RangeError)
    await expect(bus.ensureTopics([{ name: '__offsets', partitions: 1 }])).rejects.toThrow(RangeError)
    await expect(bus.ensureTopics([{ name: 'zero', partitions: 0 }])).rejects.toThrow(RangeError)
  })

  it('refuses a second open of the same directory, and takes over a lock left by a dead process', async () => {
    const dir = tempDir()
    const { bus } = open(dir)
    expect(() => createLocalBus({ dir })).toThrow(expect.objectContaining({ code: 'SIL_BUS_UNAVAILABLE' }))
    await bus.close()
    const dead = spawnSync(process.execPath, ['-e', '']).pid!
    fs.writeFileSync(path.join(dir, '.lock'), String(dead))
    const again = open(dir).bus
    expect(again.health()).toEqual({ ready: true })
  })

  it('retention deletes expired closed segments, never the active one, and keeps compacted topics', async () => {
    const dir = tempDir()
    const first = open(dir, { segmentBytes: 300 }).bus
    await first.ensureTopics([
      { name: 'ret', partitions: 1, retentionMs: 60_000 },
      { name: 'cmp', partitions: 1, retentionMs: 60_000, compacted: true },
    ])
    for (let i = 0; i < 20; i++) {
      await first.produce('ret', [msg('k', i, 40)])
      await first.produce('cmp', [msg('k', i, 40)])
    }
    await first.close()
    const retFiles = segmentFiles(dir, 'ret')
    const cmpFiles = segmentFiles(dir, 'cmp')
    expect(retFiles.length).toBeGreaterThan(3)
    const old = new Date(Date.now() - 120_000)
    for (const [topic, files] of [
      ['ret', retFiles],
      ['cmp', cmpFiles],
    ] as const) {
      for (const file of files) fs.utimesSync(path.join(dir, topic, '0', file), old, old)
    }

    const { bus, logs } = open(dir, { segmentBytes: 300 })
    await until(() => expect(segmentFiles(dir, 'ret')).toEqual(retFiles.slice(-1)))
    const sink = collector()
    await bus.subscribe({ topic: 'ret', group: 'g', eachBatch: sink.handler })
    const firstKept = Number(retFiles.at(-1)!.slice(0, 20))
    await until(() => expect(sink.records.map((r) => r.offset)).toEqual(range(firstKept, 20)))
    await bus.close() // waits for the retention pass to finish
    expect(segmentFiles(dir, 'cmp')).toEqual(cmpFiles)
    expect(logs.some((l) => l.msg.includes('retention deleted') && l.obj.topic === 'ret')).toBe(true)
  })

  it('rolls a segment by age, so that retention deletes the records of a quiet topic too', async () => {
    const dir = tempDir()
    const first = open(dir).bus
    await first.ensureTopics([
      { name: 'quiet', partitions: 1, retentionMs: 60_000 },
      { name: 'cmp', partitions: 1, retentionMs: 60_000, compacted: true },
    ])
    for (const topic of ['quiet', 'cmp']) await first.produce(topic, [msg('k', 0), msg('k', 1)])
    await first.close()
    // One active segment each, last written two minutes ago: past retention, but never closed by size.
    const old = new Date(Date.now() - 120_000)
    for (const topic of ['quiet', 'cmp'])
      fs.utimesSync(path.join(dir, topic, '0', segmentFiles(dir, topic)[0]!), old, old)

    // The records are 1 ms old or more by now: with segmentMs 1 the retention pass at open rolls
    // the active segment, and then deletes it.
    const { bus } = open(dir, { segmentMs: 1 })
    await until(() => expect(segmentFiles(dir, 'quiet')).toEqual(['00000000000000000002.log']))
    await bus.produce('quiet', [msg('k', 2)])
    const sink = collector()
    await bus.subscribe({ topic: 'quiet', group: 'g', eachBatch: sink.handler })
    await until(() => expect(sink.records.map(seqOf)).toEqual([2]))
    await bus.close()
    expect(segmentFiles(dir, 'cmp')).toEqual(['00000000000000000000.log'])
  })
})
