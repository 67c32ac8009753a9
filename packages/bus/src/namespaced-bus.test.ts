import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Bus, BusRecord } from './bus.js'
import { waitFor } from '../test/contract.js'
import { createLocalBus } from './local/local-bus.js'
import { createNamespacedBus } from './namespaced-bus.js'
import { defaultTopicSpecs, TOPICS } from './topics.js'

describe('namespaced bus (SILLAGE_TOPIC_PREFIX)', () => {
  let dir: string | undefined
  let bus: Bus | undefined
  afterEach(async () => {
    await bus?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('prefixes topics and groups, so that two namespaces on one bus never see each other', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sillage-ns-'))
    bus = createLocalBus({ dir })
    const a = createNamespacedBus(bus, 'a.')
    const b = createNamespacedBus(bus, 'b.')
    await a.ensureTopics(defaultTopicSpecs(2))
    await b.ensureTopics(defaultTopicSpecs(2))
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith(TOPICS.raw))
        .sort(),
    ).toEqual([`a.${TOPICS.raw}`, `b.${TOPICS.raw}`])

    await a.produce(TOPICS.raw, [{ key: 'k', value: Buffer.from('in a') }])
    await b.produce(TOPICS.raw, [{ key: 'k', value: Buffer.from('in b') }])
    const seen: BusRecord[] = []
    await a.subscribe({
      topic: TOPICS.raw,
      group: 'identity',
      eachBatch: async (x) => void seen.push(...x.records),
    })
    await waitFor(
      () => seen.length >= 1,
      'the record of namespace a',
      () => seen.length,
    )
    expect(seen.map((r) => [r.topic, r.value.toString()])).toEqual([[`a.${TOPICS.raw}`, 'in a']])

    const offsets = await a.offsets(TOPICS.raw, 'identity')
    expect(offsets.reduce((n, p) => n + (p.committed ?? 0), 0)).toBe(1)
    const others = await bus.offsets(`b.${TOPICS.raw}`, 'a.identity')
    expect(others.every((p) => p.committed === null)).toBe(true)
  })

  it('is the bus itself without a prefix', () => {
    dir = mkdtempSync(join(tmpdir(), 'sillage-ns-'))
    bus = createLocalBus({ dir })
    expect(createNamespacedBus(bus, '')).toBe(bus)
  })
})
