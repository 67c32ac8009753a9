import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Bus, BusRecord } from '../bus.js'
import { partitionForKey } from '../partitioner.js'
import { createLocalBus } from './local-bus.js'

// A real crash: a child process produces in a loop and prints every acknowledged record; the test
// SIGKILLs it mid-run, reopens the log, and checks that nothing acknowledged was lost or damaged.
// The child runs this package's TypeScript sources through fixtures/ts-hooks.mjs.

const PRODUCER = fileURLToPath(new URL('./fixtures/kill9-producer.mjs', import.meta.url))
const TOPIC = 'kill9'
const PARTITIONS = 3
/** Kill once this many records were acknowledged (the child stops by itself well after). */
const KILL_AFTER_ACKS = 600

interface Ack {
  key: string
  seq: number
  sha1: string
}

const dirs: string[] = []
const buses: Bus[] = []

afterEach(async () => {
  await Promise.allSettled(buses.splice(0).map((b) => b.close()))
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

/** Runs the producer until KILL_AFTER_ACKS acks, SIGKILLs it, and returns the acks it printed. */
async function produceAndKill(dir: string, keyPrefix: string): Promise<Ack[]> {
  const child = spawn(process.execPath, [PRODUCER, dir, keyPrefix, '200000', '30000'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const acks: Ack[] = []
  let stderr = ''
  let partial = ''
  let exited = false
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n')
    partial = lines.pop()!
    for (const line of lines) {
      const [tag, key, seq, sha1] = line.split(' ')
      if (tag === 'ack') acks.push({ key: key!, seq: Number(seq), sha1: sha1! })
    }
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exit = once(child, 'exit')
  child.on('exit', () => (exited = true))
  try {
    await vi.waitFor(
      () => {
        if (exited) throw new Error(`producer exited early: ${stderr}`)
        expect(acks.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS)
      },
      { timeout: 20_000, interval: 5 },
    )
  } finally {
    child.kill('SIGKILL')
  }
  const [code, signal] = (await exit) as [number | null, NodeJS.Signals | null]
  expect({ code, signal, stderr }).toEqual({ code: null, signal: 'SIGKILL', stderr: '' })
  return acks
}

/** A key that Kafka's partitioner sends to `partition`. */
function keyFor(partition: number, tag: string): string {
  for (let i = 0; ; i++) if (partitionForKey(`${tag}-${i}`, PARTITIONS) === partition) return `${tag}-${i}`
}

/** Reopens the log and checks every acknowledged record, then that appends continue the offsets. */
async function verify(
  dir: string,
  acks: readonly Ack[],
  round: number,
): Promise<{ records: number; truncated: number }> {
  const truncations: Record<string, unknown>[] = []
  const noop = (): void => {}
  const bus = createLocalBus({
    dir,
    log: {
      info: noop,
      warn: (obj, msg) => void (msg.includes('torn') && truncations.push(obj as Record<string, unknown>)),
    },
  })
  buses.push(bus)

  // One sentinel per partition, appended after recovery: reading up to them reads the whole log.
  const sentinels = Array.from({ length: PARTITIONS }, (_, p) => keyFor(p, `sentinel${round}`))
  await bus.produce(
    TOPIC,
    sentinels.map((key) => ({ key, value: Buffer.from(key) })),
  )
  const records: BusRecord[] = []
  await bus.subscribe({
    topic: TOPIC,
    group: `verify-${round}`,
    maxBatchRecords: 1000,
    eachBatch: async (batch) => void records.push(...batch.records),
  })
  await vi.waitFor(
    () => expect(sentinels.filter((key) => records.some((r) => r.key === key))).toEqual(sentinels),
    {
      timeout: 20_000,
      interval: 10,
    },
  )

  // Offsets per partition are 0..n with no gap or repeat, and the sentinel comes right after the
  // recovered records: the log accepted new appends at the right offset.
  for (let p = 0; p < PARTITIONS; p++) {
    const offsets = records.filter((r) => r.partition === p).map((r) => r.offset)
    expect(offsets).toEqual(offsets.map((_, i) => i))
    expect(records.find((r) => r.key === sentinels[p])!.offset).toBe(offsets.length - 1)
  }

  // Every acknowledged record is there once, with its content intact.
  const byId = new Map<string, BusRecord[]>()
  for (const r of records) {
    const id = `${r.key} ${r.headers.seq}`
    byId.set(id, [...(byId.get(id) ?? []), r])
  }
  const problems: string[] = []
  for (const ack of acks) {
    const found = byId.get(`${ack.key} ${ack.seq}`) ?? []
    if (found.length !== 1) problems.push(`${ack.key} ${ack.seq}: found ${found.length} times`)
    else if (createHash('sha1').update(found[0]!.value).digest('hex') !== ack.sha1)
      problems.push(`${ack.key} ${ack.seq}: content differs`)
    else if (found[0]!.partition !== partitionForKey(ack.key, PARTITIONS))
      problems.push(`${ack.key}: wrong partition`)
  }
  expect(problems.slice(0, 10)).toEqual([])

  // Per key, records are in production order.
  const seqsByKey = new Map<string, number[]>()
  for (const r of records)
    if (r.headers.seq !== undefined)
      seqsByKey.set(r.key!, [...(seqsByKey.get(r.key!) ?? []), Number(r.headers.seq)])
  for (const [key, seqs] of seqsByKey) expect(seqs, key).toEqual([...seqs].sort((a, b) => a - b))

  await bus.close()
  const truncated = truncations.reduce((sum, t) => sum + (t.truncatedBytes as number), 0)
  return { records: records.length, truncated }
}

describe('local bus survives kill -9', () => {
  it('keeps every acknowledged record through two SIGKILLs mid-produce, and keeps appending', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sillage-kill9-'))
    dirs.push(dir)
    for (let round = 0; round < 2; round++) {
      const acks = await produceAndKill(dir, `r${round}-`)
      const { records } = await verify(dir, acks, round)
      expect(records).toBeGreaterThanOrEqual(acks.length + PARTITIONS)
    }
  })
})
