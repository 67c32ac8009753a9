import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Bus, BusRecord } from '../bus.js'
import { createLocalBus } from './local-bus.js'

// Crash recovery of the tail of the last segment. (A real kill -9 is in kill9.test.ts.)

interface Warning {
  obj: Record<string, unknown>
  msg: string
}

const dirs: string[] = []
const buses: Bus[] = []

afterEach(async () => {
  await Promise.allSettled(buses.splice(0).map((b) => b.close()))
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

function open(dir: string): { bus: Bus; warnings: Warning[] } {
  const warnings: Warning[] = []
  const noop = (): void => {}
  const bus = createLocalBus({
    dir,
    log: { info: noop, warn: (obj, msg) => warnings.push({ obj: obj as Record<string, unknown>, msg }) },
  })
  buses.push(bus)
  return { bus, warnings }
}

const value = (i: number): Buffer => Buffer.from(`record-${i}-${'v'.repeat(i * 10)}`)
const segment = (dir: string): string => path.join(dir, 't', '0', '00000000000000000000.log')

/** A log with records 0..n-1 in one partition; returns the segment size before the last record. */
async function logWith(n: number): Promise<{ dir: string; sizeBeforeLast: number; size: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sillage-recovery-'))
  dirs.push(dir)
  const { bus } = open(dir)
  await bus.ensureTopics([{ name: 't', partitions: 1 }])
  for (let i = 0; i < n - 1; i++) await bus.produce('t', [{ key: `k${i}`, value: value(i) }])
  const sizeBeforeLast = fs.statSync(segment(dir)).size
  await bus.produce('t', [{ key: `k${n - 1}`, value: value(n - 1) }])
  await bus.close()
  return { dir, sizeBeforeLast, size: fs.statSync(segment(dir)).size }
}

async function readAll(
  bus: Bus,
  group: string,
  until: (records: BusRecord[]) => boolean,
): Promise<BusRecord[]> {
  const records: BusRecord[] = []
  await bus.subscribe({ topic: 't', group, eachBatch: async (b) => void records.push(...b.records) })
  await vi.waitFor(() => expect(until(records)).toBe(true), { timeout: 10_000, interval: 10 })
  return records
}

/** Reopens, checks records 0..kept-1 are intact, and that the next append gets offset `kept`. */
async function expectRecovered(dir: string, kept: number, truncatedBytes: number): Promise<Warning[]> {
  const { bus, warnings } = open(dir)
  const tail = warnings.filter((w) => w.msg.includes('torn'))
  expect(tail).toHaveLength(1)
  expect(tail[0]!.obj).toMatchObject({ topic: 't', partition: 0, truncatedBytes, nextOffset: kept })
  await bus.produce('t', [{ key: 'after', value: Buffer.from('after-recovery') }])
  const records = await readAll(bus, 'reader-1', (rs) => rs.some((r) => r.key === 'after'))
  expect(records.map((r) => r.offset)).toEqual(Array.from({ length: kept + 1 }, (_, i) => i))
  for (let i = 0; i < kept; i++) {
    expect(records[i]!.key).toBe(`k${i}`)
    expect(records[i]!.value.equals(value(i))).toBe(true)
  }
  expect(records[kept]!.value.toString()).toBe('after-recovery')
  await bus.close()

  // The tail is gone from the file itself: a second open finds a clean log with the new record.
  const again = open(dir)
  expect(again.warnings).toEqual([])
  await again.bus.produce('t', [{ key: 'again', value: Buffer.from('again') }])
  const all = await readAll(again.bus, 'reader-2', (rs) => rs.some((r) => r.key === 'again'))
  expect(all.map((r) => r.key)).toEqual([...records.map((r) => r.key), 'again'])
  return warnings
}

describe('local bus recovery', () => {
  it('truncates a record cut in the middle, keeping everything before it', async () => {
    const { dir, sizeBeforeLast, size } = await logWith(10)
    fs.truncateSync(segment(dir), size - 7)
    await expectRecovered(dir, 9, size - 7 - sizeBeforeLast)
    expect(fs.statSync(segment(dir)).size).toBeGreaterThan(sizeBeforeLast)
  })

  it('truncates a tail cut inside the length field', async () => {
    const { dir, sizeBeforeLast } = await logWith(6)
    fs.truncateSync(segment(dir), sizeBeforeLast + 2)
    await expectRecovered(dir, 5, 2)
  })

  it('truncates garbage appended after the last record', async () => {
    const { dir, size } = await logWith(5)
    const garbage = Buffer.alloc(100, 0xab)
    garbage.writeUInt32BE(60, 0) // a plausible frame length, so only the CRC can tell
    fs.appendFileSync(segment(dir), garbage)
    await expectRecovered(dir, 5, 100)
    expect(fs.statSync(segment(dir)).size).toBeGreaterThan(size)
  })

  it('truncates a zero-filled tail (file extended, data never written)', async () => {
    const { dir, size } = await logWith(5)
    fs.truncateSync(segment(dir), size + 4096)
    await expectRecovered(dir, 5, 4096)
  })

  it('cuts off a last record whose CRC does not match', async () => {
    const { dir, sizeBeforeLast, size } = await logWith(8)
    const fd = fs.openSync(segment(dir), 'r+')
    fs.writeSync(fd, Buffer.from([0x00]), 0, 1, size - 3) // flip a byte of the last value
    fs.closeSync(fd)
    const warnings = await expectRecovered(dir, 7, size - sizeBeforeLast)
    expect(warnings.find((w) => w.msg.includes('torn'))!.obj.reason).toBe('crc mismatch')
  })

  it('opens a clean log without warnings', async () => {
    const { dir } = await logWith(3)
    const { warnings } = open(dir)
    expect(warnings).toEqual([])
  })
})
