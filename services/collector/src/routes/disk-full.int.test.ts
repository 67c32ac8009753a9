import { spawnSync } from 'node:child_process'
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, it, vi } from 'vitest'
import {
  consumeToEnd,
  createFaultFileOps,
  createLocalBus,
  defaultTopicSpecs,
  TOPICS,
  type Bus,
  type FaultFileOps,
} from '@sillage/bus'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { sourcesSchema } from '@sillage/schemas'
import type { FastifyInstance } from 'fastify'
import { createCollectorApp } from '../app.js'

// Disk full under the real collector (HTTP → local bus): the data dir is a 2 MiB tmpfs that a
// filler file fills up, then frees. Where mounting is not permitted (an unprivileged CI), the same
// test runs on a fault-injecting file layer whose writes fail with ENOSPC instead: never skipped.

interface SmallDisk {
  kind: 'tmpfs' | 'fault-injection'
  dir: string
  fileOps?: FaultFileOps
  fill(): void
  free(): void
  cleanup(): void
}

function smallDisk(): SmallDisk {
  const root = mkdtempSync(join(tmpdir(), 'sillage-disk-full-'))
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', root]).status === 0
  if (!mounted) {
    const fileOps = createFaultFileOps()
    return {
      kind: 'fault-injection',
      dir: root,
      fileOps,
      fill: () => fileOps.fail('ENOSPC'),
      free: () => fileOps.heal(),
      cleanup: () => rmSync(root, { recursive: true, force: true }),
    }
  }
  const filler = join(root, 'filler')
  return {
    kind: 'tmpfs',
    dir: join(root, 'bus'),
    fill() {
      const fd = openSync(filler, 'w')
      try {
        for (const size of [64 * 1024, 4096, 1]) {
          const chunk = Buffer.alloc(size, 1)
          try {
            for (;;) writeSync(fd, chunk)
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
          }
        }
      } finally {
        closeSync(fd)
      }
    },
    free: () => rmSync(filler, { force: true }),
    cleanup() {
      spawnSync('umount', [root])
      rmSync(root, { recursive: true, force: true })
    },
  }
}

const WRITE_KEY = 'sk_server_disk'
const sources = sourcesSchema.parse([{ id: 'backend', writeKey: WRITE_KEY, type: 'server' }])
const authorization = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`

let disk: SmallDisk | undefined
let bus: Bus | undefined
let app: FastifyInstance | undefined
afterEach(async () => {
  await app?.close()
  await bus?.close()
  disk?.cleanup()
  disk = bus = app = undefined
})

async function openCollector(dir: string, fileOps: FaultFileOps | undefined): Promise<FastifyInstance> {
  mkdirSync(dir, { recursive: true })
  bus = createLocalBus({ dir, recoveryProbeMs: 10, ...(fileOps && { fileOps }) })
  await bus.ensureTopics(defaultTopicSpecs(2))
  app = createCollectorApp({
    config: { maxEventBytes: 32 * 1024, maxBatchBytes: 500 * 1024, unhealthyAfterMs: 100 },
    sources,
    bus,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
  })
  return app
}

let batchNo = 0
/** 50 new messageIds. */
const newBatch = (): string[] => {
  const n = batchNo++
  return Array.from({ length: 50 }, (_, i) => `b${n}-e${i}`)
}

const send = (messageIds: readonly string[]) =>
  app!.inject({
    method: 'POST',
    url: '/v1/batch',
    headers: { authorization },
    payload: {
      batch: messageIds.map((messageId, i) => ({
        type: 'track',
        event: 'Product Viewed',
        anonymousId: `device-${i % 9}`,
        messageId,
        properties: { sku: messageId, note: 'n'.repeat(300) },
      })),
    },
  })

/** How many times each messageId is on events.raw, read to the end by a new group. */
async function countOnBus(group: string): Promise<Map<string, number>> {
  const seen = new Map<string, number>()
  await consumeToEnd(bus!, {
    topic: TOPICS.raw,
    group,
    commit: false,
    timeoutMs: 10_000,
    eachBatch: async (batch) => {
      for (const record of batch.records) {
        const { messageId } = JSON.parse(record.value.toString()) as { messageId: string }
        seen.set(messageId, (seen.get(messageId) ?? 0) + 1)
      }
    },
  })
  return seen
}

it('disk full: 503 with Retry-After and readyz says why, healthz fails in time, then heals without a restart and loses no acknowledged event', async () => {
  disk = smallDisk()
  const app = await openCollector(disk.dir, disk.fileOps)
  /** Answered 2xx: each must be consumable. */
  const acked = new Set<string>()
  /** Answered 503: the SDK sends them again, with the same messageIds. */
  const refused: string[][] = []

  for (let i = 0; i < 4; i++) {
    const ids = newBatch()
    expect((await send(ids)).statusCode).toBe(200)
    for (const id of ids) acked.add(id)
  }

  disk.fill()
  // Page slack may take a first batch or two; a full disk refuses soon after.
  for (let i = 0; i < 40 && refused.length === 0; i++) {
    const ids = newBatch()
    const res = await send(ids)
    if (res.statusCode === 200) {
      for (const id of ids) acked.add(id)
      continue
    }
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('5')
    expect(res.json()).toMatchObject({ success: false, code: 'SIL_BUS_UNAVAILABLE' })
    refused.push(ids)
  }
  expect(refused).toHaveLength(1)

  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  expect(ready.statusCode).toBe(503)
  expect(ready.json()).toMatchObject({ ready: false, reason: expect.stringContaining('ENOSPC') })
  // Unready for longer than unhealthyAfterMs: liveness fails, so an orchestrator restarts us.
  await vi.waitFor(
    async () => {
      const health = await app.inject({ method: 'GET', url: '/healthz' })
      expect(health.statusCode).toBe(503)
      expect(health.json()).toMatchObject({ ok: false, reason: expect.stringContaining('ENOSPC') })
    },
    { timeout: 10_000, interval: 20 },
  )
  const whileFull = newBatch()
  expect((await send(whileFull)).statusCode).toBe(503)
  refused.push(whileFull)

  disk.free()
  await vi.waitFor(
    async () => expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200),
    { timeout: 10_000, interval: 20 },
  )
  expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)

  // The SDK's retries, same messageIds, and new traffic: all accepted, no restart.
  for (const ids of refused) {
    expect((await send(ids)).statusCode).toBe(200)
    for (const id of ids) acked.add(id)
  }
  for (let i = 0; i < 3; i++) {
    const ids = newBatch()
    expect((await send(ids)).statusCode).toBe(200)
    for (const id of ids) acked.add(id)
  }

  const seen = await countOnBus('disk-full-check')
  // Every acknowledged event is there; nothing else is.
  expect([...seen.keys()].sort()).toEqual([...acked].sort())
  // Exactly once, except what a 503'd batch may have stored before its retry (docs/operations.md):
  // a second copy with the same messageId, which deduplication downstream collapses.
  const retried = new Set(refused.flat())
  for (const [id, count] of seen) expect(count, id).toBe(retried.has(id) ? Math.min(count, 2) : 1)
  // The batch refused while the bus was already unready stored nothing: its events appear once.
  for (const id of whileFull) expect(seen.get(id), id).toBe(1)
})

it('a batch answered 503 mid-write may be partly stored; its retry with the same messageIds leaves every event, each at most twice', async () => {
  // The disk fills up in the middle of a batch: one partition's write lands, the other's does not.
  const fileOps = createFaultFileOps()
  disk = {
    kind: 'fault-injection',
    dir: mkdtempSync(join(tmpdir(), 'sillage-disk-full-')),
    fileOps,
    fill() {},
    free() {},
    cleanup() {},
  }
  const root = disk.dir
  disk.cleanup = () => rmSync(root, { recursive: true, force: true })
  const app = await openCollector(disk.dir, fileOps)
  const first = newBatch()
  expect((await send(first)).statusCode).toBe(200)

  // Same keys, same partitions: room for the larger partition's share of a batch, not for both.
  const shares = [0, 1].map((p) => {
    const partitionDir = join(root, TOPICS.raw, String(p))
    return readdirSync(partitionDir).reduce((sum, f) => sum + statSync(join(partitionDir, f)).size, 0)
  })
  expect(Math.min(...shares)).toBeGreaterThan(4096)
  fileOps.fail('ENOSPC', Math.max(...shares) + 2048)
  const torn = newBatch()
  const refusedRes = await send(torn)
  expect(refusedRes.statusCode).toBe(503)
  expect(refusedRes.headers['retry-after']).toBe('5')
  const before = await countOnBus('before-retry')
  const stored = torn.filter((id) => before.has(id))
  // The case docs/operations.md describes: part of a 503'd batch may be stored (which part, if any,
  // depends on which partitions' writes were durable before the fault), never all of it.
  expect(stored.length).toBeLessThan(torn.length)

  fileOps.heal()
  await vi.waitFor(
    async () => expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200),
    { timeout: 10_000, interval: 20 },
  )
  expect((await send(torn)).statusCode).toBe(200)
  const after = await countOnBus('after-retry')
  expect([...after.keys()].sort()).toEqual([...first, ...torn].sort())
  // Twice exactly what the refused attempt stored, once everything else: one per messageId after
  // deduplication on messageId, which identity does before its insert.
  for (const id of first) expect(after.get(id), id).toBe(1)
  for (const id of torn) expect(after.get(id), id).toBe(stored.includes(id) ? 2 : 1)
})
