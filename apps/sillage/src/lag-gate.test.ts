import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, TOPICS, type Bus } from '@sillage/bus'
import { CollectorError } from '@sillage/collector'
import { createLagGate } from './lag-gate.js'

const message = (i: number) => ({ key: `a${i}`, value: Buffer.from(`{"i":${i}}`) })

describe('lag gate (identity in a worker thread)', () => {
  let dir: string
  let bus: Bus
  afterEach(async () => {
    await bus.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('refuses events.raw with SIL_OVERLOADED while identity lags past the bound, and accepts again once it caught up', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sillage-lag-gate-'))
    bus = createLocalBus({ dir })
    await bus.ensureTopics(defaultTopicSpecs(2))
    const gated = createLagGate(bus, { group: 'identity', maxLagEvents: 10, cacheMs: 0 })
    await gated.produce(
      TOPICS.raw,
      Array.from({ length: 10 }, (_, i) => message(i)),
    )
    expect(await gated.lag()).toBe(10)
    const refused = await gated.produce(TOPICS.raw, [message(10)]).catch((err: unknown) => err)
    expect(refused).toBeInstanceOf(CollectorError)
    expect((refused as CollectorError).code).toBe('SIL_OVERLOADED')
    expect((refused as CollectorError).retryAfterSeconds).toBeGreaterThan(0)
    // Nothing of the refused batch was written; other topics are not gated.
    expect((await bus.offsets(TOPICS.raw)).reduce((a, p) => a + p.end, 0)).toBe(10)
    await gated.produce(TOPICS.invalid, [message(11)])

    // Identity consumes (and commits): the lag falls, produces are accepted again.
    let seen = 0
    const sub = await bus.subscribe({
      topic: TOPICS.raw,
      group: 'identity',
      eachBatch: async (batch) => {
        seen += batch.records.length
      },
    })
    for (let i = 0; (await gated.lag()) > 0; i++) {
      if (i > 200) throw new Error(`identity did not catch up (${seen} seen)`)
      await new Promise((r) => setTimeout(r, 25))
    }
    await sub.stop()
    await gated.produce(TOPICS.raw, [message(12)])
    expect(await gated.lag()).toBe(1)
  })
})
