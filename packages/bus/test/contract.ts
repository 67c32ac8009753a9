/**
 * The bus contract, as tests every implementation must pass (see bus.ts). Imported by
 * `local/local.contract.test.ts` and `kafka/kafka.contract.int.test.ts`; not part of the package's
 * runtime exports (it imports vitest).
 *
 * Each test uses its own random topic and group names and polls for its condition with a bounded
 * timeout; none sleeps and then asserts.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { Batch, Bus, BusRecord, ProduceMessage } from '../src/bus.js'
import { BusError } from '../src/bus.js'
import { consumeToEnd } from '../src/consume-to-end.js'

export interface BusContractFixture {
  bus: Bus
  /** A new bus over the same storage or cluster, as after a process restart (close `bus` first). */
  reopen(): Promise<Bus>
  /** Closes every bus made by this fixture and removes what it stored, if it can. */
  cleanup(): Promise<void>
}

const WAIT_MS = 30_000

export function describeBusContract(name: string, makeBus: () => Promise<BusContractFixture>): void {
  describe(`bus contract: ${name}`, () => {
    let fixture: BusContractFixture | undefined
    const setup = async (): Promise<BusContractFixture> => (fixture = await makeBus())
    afterEach(async () => {
      const f = fixture
      fixture = undefined
      await f?.cleanup()
    })

    it('keeps records of one key in order, on one partition, with key, value and headers intact', async () => {
      const { bus } = await setup()
      const topic = uniqueName('order')
      await bus.ensureTopics([{ name: topic, partitions: 3 }])
      const keys = ['k0', 'k1', 'k2', 'k3', 'k4']
      const rounds = 10
      for (let seq = 0; seq < rounds; seq++) {
        const messages = keys.map((key) => message(key, { key, seq }, { seq: String(seq) }))
        if (seq === rounds - 1)
          messages.push(message(null, { key: null, seq }), message(null, { key: null, seq }))
        await bus.produce(topic, messages)
      }
      const total = keys.length * rounds + 2
      const sink = collect()
      const before = Date.now()
      await bus.subscribe({ topic, group: uniqueName('g'), eachBatch: sink.handler })
      await waitFor(
        () => sink.records.length >= total,
        `${total} records`,
        () => sink.records.length,
      )

      expect(sink.records).toHaveLength(total)
      for (const key of keys) {
        const ofKey = sink.records.filter((r) => r.key === key)
        expect(ofKey.map((r) => decode(r).seq)).toEqual(range(0, rounds))
        expect(new Set(ofKey.map((r) => r.partition)).size).toBe(1)
        expect(ofKey.map((r) => r.headers.seq)).toEqual(range(0, rounds).map(String))
      }
      expect(sink.records.filter((r) => r.key === null)).toHaveLength(2)
      for (const r of sink.records) {
        expect(r.topic).toBe(topic)
        expect(Buffer.isBuffer(r.value)).toBe(true)
        expect(r.timestamp).toBeGreaterThan(before - 60_000)
        expect(r.timestamp).toBeLessThan(Date.now() + 60_000)
      }
      expectOffsetsIncreasePerPartition(sink.records)
    })

    it('at-least-once: a rejected batch is delivered again, from the same record, and nothing is skipped', async () => {
      const { bus } = await setup()
      const topic = uniqueName('alo')
      await bus.ensureTopics([{ name: topic, partitions: 1 }])
      const count = 20
      await bus.produce(
        topic,
        range(0, count).map((i) => message('k', { i })),
      )

      const accepted: number[] = []
      const deliveriesOf7: number[] = []
      const errors: { err: unknown; first: number | undefined }[] = []
      const violations: string[] = []
      let nextExpected = 0
      let failuresLeft = 2
      await bus.subscribe({
        topic,
        group: uniqueName('g'),
        maxBatchRecords: 5,
        eachBatch: async (batch) => {
          const offsets = batch.records.map((r) => r.offset)
          if (offsets[0] !== nextExpected)
            violations.push(`batch starts at ${offsets[0]}, expected ${nextExpected}`)
          if (offsets.includes(7)) {
            deliveriesOf7.push(offsets[0] ?? -1)
            if (failuresLeft > 0) {
              failuresLeft--
              throw new Error('handler failure (expected by the test)')
            }
          }
          accepted.push(...batch.records.map((r) => decode(r).i as number))
          nextExpected = (offsets[offsets.length - 1] ?? nextExpected - 1) + 1
        },
        onError: (err, batch) => errors.push({ err, first: batch.records[0]?.offset }),
      })
      await waitFor(
        () => accepted.length >= count,
        `${count} accepted records`,
        () => accepted.length,
      )

      expect(violations).toEqual([])
      expect(accepted).toEqual(range(0, count))
      expect(errors).toHaveLength(2)
      expect((errors[0]?.err as Error).message).toBe('handler failure (expected by the test)')
      // The failed batch came back twice, each time starting where the failed one started.
      expect(deliveriesOf7).toHaveLength(3)
      expect(new Set(deliveriesOf7).size).toBe(1)
      expect(errors.map((e) => e.first)).toEqual(deliveriesOf7.slice(0, 2))
    })

    it('at-least-once: records whose handler never succeeded go to the next consumer of the group', async () => {
      const { bus } = await setup()
      const topic = uniqueName('alo-handover')
      const group = uniqueName('g')
      await bus.ensureTopics([{ name: topic, partitions: 1 }])
      const count = 10
      const poison = 6
      await bus.produce(
        topic,
        range(0, count).map((i) => message('k', { i })),
      )

      let lastAccepted = -1
      let rejections = 0
      const first = await bus.subscribe({
        topic,
        group,
        maxBatchRecords: 4,
        eachBatch: async (batch) => {
          if (batch.records.some((r) => r.offset >= poison)) throw new Error('poison (expected by the test)')
          lastAccepted = Math.max(lastAccepted, ...batch.records.map((r) => r.offset))
        },
        onError: () => rejections++,
      })
      await waitFor(
        () => rejections >= 1,
        'a rejected batch',
        () => `lastAccepted=${lastAccepted}`,
      )
      await first.stop()
      expect(lastAccepted).toBeLessThan(poison)

      const sink = collect()
      await bus.subscribe({ topic, group, eachBatch: sink.handler })
      await waitFor(
        () => sink.offsets().includes(count - 1),
        `offset ${count - 1}`,
        () => sink.offsets(),
      )
      // Resumes right after the last record a handler finished: the rejected ones come again.
      expect(sink.offsets()).toEqual(range(lastAccepted + 1, count))
    })

    it('restarts from the committed offsets when the bus is closed and reopened', async () => {
      const { bus, reopen } = await setup()
      const topic = uniqueName('restart')
      const group = uniqueName('g')
      await bus.ensureTopics([{ name: topic, partitions: 2 }])
      const keys = ['a', 'b', 'c', 'd']
      const perRound = 20
      await bus.produce(
        topic,
        range(0, perRound).map((i) => message(keys[i % keys.length] ?? null, { i })),
      )

      const before = collect()
      await bus.subscribe({ topic, group, maxBatchRecords: 3, eachBatch: before.handler })
      await waitFor(
        () => before.records.length >= perRound,
        `${perRound} records`,
        () => before.records.length,
      )
      await bus.close() // stops the subscription, which commits what its handler finished

      const reopened = await reopen()
      await reopened.produce(
        topic,
        range(perRound, 2 * perRound).map((i) => message(keys[i % keys.length] ?? null, { i })),
      )
      const after = collect()
      await reopened.subscribe({ topic, group, eachBatch: after.handler })
      await waitFor(
        () => after.records.length >= perRound,
        `${perRound} more records`,
        () => after.records.length,
      )

      expect(before.records.map((r) => decode(r).i).sort(byNumber)).toEqual(range(0, perRound))
      expect(after.records.map((r) => decode(r).i).sort(byNumber)).toEqual(range(perRound, 2 * perRound))
      // Per partition, the new consumer starts right after the last committed offset: no gap.
      for (const partition of new Set(after.records.map((r) => r.partition))) {
        const lastBefore = Math.max(
          -1,
          ...before.records.filter((r) => r.partition === partition).map((r) => r.offset),
        )
        const firstAfter = after.records.find((r) => r.partition === partition)?.offset
        expect(firstAfter).toBe(lastBefore + 1)
      }
      expectOffsetsIncreasePerPartition(after.records)
    })

    it('delivers every record of a large produce call, in batches of at most maxBatchRecords, in order per partition', async () => {
      const { bus } = await setup()
      const topic = uniqueName('batch')
      await bus.ensureTopics([{ name: topic, partitions: 3 }])
      const count = 600
      const maxBatchRecords = 50
      await bus.produce(
        topic,
        range(0, count).map((i) => message(`key-${i % 7}`, { i })),
      )

      const batches: Batch[] = []
      const sink = collect()
      await bus.subscribe({
        topic,
        group: uniqueName('g'),
        maxBatchRecords,
        eachBatch: async (batch) => {
          batches.push(batch)
          await sink.handler(batch)
        },
      })
      await waitFor(
        () => sink.records.length >= count,
        `${count} records`,
        () => sink.records.length,
      )

      expect(sink.records).toHaveLength(count)
      for (const batch of batches) {
        expect(batch.records.length).toBeGreaterThan(0)
        expect(batch.records.length).toBeLessThanOrEqual(maxBatchRecords)
        expect(batch.topic).toBe(topic)
        for (const r of batch.records) expect(r.partition).toBe(batch.partition)
      }
      // Offsets of each partition arrive as 0, 1, 2, … with no gap and no repeat.
      for (const partition of new Set(sink.records.map((r) => r.partition))) {
        const offsets = sink.records.filter((r) => r.partition === partition).map((r) => r.offset)
        expect(offsets).toEqual(range(0, offsets.length))
      }
      for (let k = 0; k < 7; k++) {
        const seqs = sink.records.filter((r) => r.key === `key-${k}`).map((r) => decode(r).i as number)
        expect(seqs).toEqual([...seqs].sort(byNumber))
        expect(seqs).toHaveLength(range(0, count).filter((i) => i % 7 === k).length)
      }
    })

    it('gives each consumer group every record, independently of the other groups', async () => {
      const { bus } = await setup()
      const topic = uniqueName('groups')
      await bus.ensureTopics([{ name: topic, partitions: 2 }])
      const count = 30
      await bus.produce(
        topic,
        range(0, count).map((i) => message(`k${i % 5}`, { i })),
      )

      const healthy = collect()
      const blocked = collect()
      let blockedRejections = 0
      let unblocked = false
      await bus.subscribe({ topic, group: uniqueName('ga'), eachBatch: healthy.handler })
      await bus.subscribe({
        topic,
        group: uniqueName('gb'),
        eachBatch: async (batch) => {
          if (!unblocked) throw new Error('not yet (expected by the test)')
          await blocked.handler(batch)
        },
        onError: () => blockedRejections++,
      })
      // Group A gets everything while group B keeps failing on its first batch.
      await waitFor(
        () => healthy.records.length >= count && blockedRejections >= 1,
        `${count} records in group A while group B fails`,
        () => ({ a: healthy.records.length, bRejections: blockedRejections }),
      )
      expect(blocked.records).toHaveLength(0)
      unblocked = true
      await waitFor(
        () => blocked.records.length >= count,
        `${count} records in group B`,
        () => blocked.records.length,
      )

      expect(healthy.records.map((r) => decode(r).i).sort(byNumber)).toEqual(range(0, count))
      expect(blocked.records.map((r) => decode(r).i).sort(byNumber)).toEqual(range(0, count))
    })

    it('hands the batches of several partitions over at the same time (concurrentPartitions)', async () => {
      const { bus } = await setup()
      const topic = uniqueName('concurrent')
      await bus.ensureTopics([{ name: topic, partitions: 2 }])
      const count = 20
      await bus.produce(
        topic,
        range(0, count).map((i) => message(`k${i}`, { i })),
      )
      const sink = collect()
      const inHand = new Set<number>()
      let together = 0
      let release = (): void => {}
      const released = new Promise<void>((resolve) => (release = resolve))
      await bus.subscribe({
        topic,
        group: uniqueName('g'),
        concurrentPartitions: 2,
        eachBatch: async (batch) => {
          inHand.add(batch.partition)
          together = Math.max(together, inHand.size)
          if (inHand.size >= 2) release()
          // A batch in hand waits for the other partition's: it never comes while this one is in
          // hand if batches are handed over one at a time (bounded, so that the test ends).
          await Promise.race([released, new Promise((resolve) => setTimeout(resolve, 5_000))])
          inHand.delete(batch.partition)
          await sink.handler(batch)
        },
      })
      await waitFor(
        () => sink.records.length >= count,
        `${count} records`,
        () => sink.records.length,
      )
      expect(together).toBe(2)
      expect(sink.records.map((r) => decode(r).i).sort(byNumber)).toEqual(range(0, count))
      expectOffsetsIncreasePerPartition(sink.records)
    })

    it('ensureTopics leaves an existing topic as it is', async () => {
      const { bus } = await setup()
      const topic = uniqueName('existing')
      await bus.ensureTopics([{ name: topic, partitions: 2 }])
      await bus.ensureTopics([{ name: topic, partitions: 4 }])
      const count = 40
      await bus.produce(
        topic,
        range(0, count).map((i) => message(`key-${i}`, { i })),
      )
      const sink = collect()
      await bus.subscribe({ topic, group: uniqueName('g'), eachBatch: sink.handler })
      await waitFor(
        () => sink.records.length >= count,
        `${count} records`,
        () => sink.records.length,
      )
      const partitions = new Set(sink.records.map((r) => r.partition))
      expect([...partitions].every((p) => p === 0 || p === 1)).toBe(true)
      expect(partitions.size).toBe(2)
    })

    it('offsets: start and end per partition, and a group committed offsets once it consumed', async () => {
      const { bus } = await setup()
      const topic = uniqueName('offsets')
      const group = uniqueName('g')
      await bus.ensureTopics([{ name: topic, partitions: 2 }])
      const count = 12
      await bus.produce(
        topic,
        range(0, count).map((i) => message(`k${i}`, { i })),
      )
      const before = await bus.offsets(topic, group)
      expect(before.map((p) => p.partition)).toEqual([0, 1])
      expect(before.every((p) => p.start === 0 && p.committed === null)).toBe(true)
      expect(before.reduce((n, p) => n + p.end - p.start, 0)).toBe(count)

      const read = await consumeToEnd(bus, { topic, group, eachBatch: async () => {}, timeoutMs: WAIT_MS })
      expect(read.records).toBe(count)
      const after = await bus.offsets(topic, group)
      for (const p of after) expect(p.committed ?? 0).toBe(p.end)
      // Nothing new: a second read hands nothing over and returns at once.
      expect((await consumeToEnd(bus, { topic, group, eachBatch: async () => {} })).records).toBe(0)
      await expect(bus.offsets(uniqueName('missing'))).rejects.toSatisfy(isBusError('SIL_BUS_UNKNOWN_TOPIC'))
    })

    it('commit: false reads everything and never moves the group offsets', async () => {
      const { bus } = await setup()
      const topic = uniqueName('nocommit')
      const group = uniqueName('g')
      await bus.ensureTopics([{ name: topic, partitions: 1 }])
      await bus.produce(
        topic,
        range(0, 5).map((i) => message('k', { i })),
      )
      for (let run = 0; run < 2; run++) {
        const sink = collect()
        const read = await consumeToEnd(bus, { topic, group, commit: false, eachBatch: sink.handler })
        expect(read.records).toBe(5)
        expect(sink.records.map((r) => decode(r).i)).toEqual(range(0, 5))
      }
      expect((await bus.offsets(topic, group))[0]?.committed).toBeNull()
    })

    it('rejects produce and subscribe with SIL_BUS_CLOSED once closed', async () => {
      const { bus } = await setup()
      const topic = uniqueName('closed')
      await bus.ensureTopics([{ name: topic, partitions: 1 }])
      await bus.close()
      await expect(bus.produce(topic, [message('k', { i: 0 })])).rejects.toSatisfy(
        isBusError('SIL_BUS_CLOSED'),
      )
      await expect(
        bus.subscribe({ topic, group: uniqueName('g'), eachBatch: async () => {} }),
      ).rejects.toSatisfy(isBusError('SIL_BUS_CLOSED'))
    })
  })
}

// --- helpers -------------------------------------------------------------------------------------

export function uniqueName(prefix: string): string {
  return `test.${prefix}.${randomUUID().slice(0, 12)}`
}

/** Polls `condition` until it holds; fails with `what` and the current state after the timeout. */
export async function waitFor(
  condition: () => boolean,
  what: string,
  state: () => unknown = () => undefined,
  timeoutMs = WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; state: ${JSON.stringify(state())}`,
      )
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

function message(
  key: string | null,
  body: Record<string, unknown>,
  headers?: Record<string, string>,
): ProduceMessage {
  const value = Buffer.from(JSON.stringify(body))
  return headers ? { key, value, headers } : { key, value }
}

function decode(record: BusRecord): Record<string, unknown> {
  return JSON.parse(record.value.toString('utf8')) as Record<string, unknown>
}

function collect(): { records: BusRecord[]; handler: (batch: Batch) => Promise<void>; offsets(): number[] } {
  const records: BusRecord[] = []
  return {
    records,
    handler: async (batch) => {
      records.push(...batch.records)
    },
    offsets: () => records.map((r) => r.offset),
  }
}

function expectOffsetsIncreasePerPartition(records: readonly BusRecord[]): void {
  const last = new Map<number, number>()
  for (const r of records) {
    const prev = last.get(r.partition) ?? -1
    expect(r.offset, `partition ${r.partition} went back from ${prev} to ${r.offset}`).toBeGreaterThan(prev)
    last.set(r.partition, r.offset)
  }
}

function isBusError(code: BusError['code']): (err: unknown) => boolean {
  return (err) => err instanceof BusError && err.code === code
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i)
}

const byNumber = (a: unknown, b: unknown): number => (a as number) - (b as number)
