import { createHash } from 'node:crypto'
import { Analytics } from '@segment/analytics-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  WRITE_KEY,
  freePort,
  query,
  startPipeline,
  tempDir,
  waitFor,
  type Pipeline,
} from './helpers/pipeline.js'

// The official Segment Node client, unchanged, with its host pointed at the Sillage collector.
describe('@segment/analytics-node against the collector', () => {
  const dir = tempDir('sillage-segment-node-')
  let pipeline: Pipeline

  beforeAll(async () => {
    pipeline = await startPipeline({ dataDir: dir.path, port: await freePort() })
  })
  afterAll(async () => {
    await pipeline?.stop()
    dir.remove()
  })

  it('delivers track, identify, page and alias, and each lands in ClickHouse with its fields', async () => {
    const analytics = new Analytics({
      writeKey: WRITE_KEY,
      host: pipeline.url,
      flushInterval: 100,
      maxEventsInBatch: 10,
    })
    const errors: unknown[] = []
    analytics.on('error', (err) => errors.push(err))

    analytics.identify({
      anonymousId: 'seg-anon-1',
      userId: 'seg-user-1',
      traits: { plan: 'gold', email: 'a@example.com' },
    })
    analytics.page({
      userId: 'seg-user-1',
      name: 'Product',
      properties: { path: '/p/mug', url: 'https://shop.example/p/mug' },
    })
    analytics.track({
      userId: 'seg-user-1',
      event: 'Order Completed',
      properties: {
        order_id: 'o-77',
        revenue: 42.5,
        currency: 'EUR',
        products: [{ product_id: 'mug', quantity: 2 }],
      },
      context: { ip: '203.0.113.9', campaign: { source: 'newsletter', name: 'black-friday' } },
    })
    analytics.alias({ previousId: 'seg-anon-2', userId: 'seg-user-1' })
    await analytics.closeAndFlush({ timeout: 10_000 })
    expect(errors).toEqual([])

    const rows = await waitFor(
      async () => {
        const r = await query<Record<string, string | number | null>>(
          pipeline.url,
          `SELECT type, event, name, user_id, anonymous_id, previous_id, order_id, revenue, currency, utm_source,
                  utm_campaign, page_path, ip, library_name, traits
           FROM sillage.events WHERE user_id = 'seg-user-1' ORDER BY type`,
        )
        return r.length === 4 ? r : undefined
      },
      { what: 'the four Segment events' },
    )
    const byType = Object.fromEntries(rows.map((r) => [r.type, r]))
    expect(byType.identify).toMatchObject({
      anonymous_id: 'seg-anon-1',
      library_name: '@segment/analytics-node',
    })
    // PII minimisation (docs/privacy.md): the email is stored only as its SHA-256.
    expect(JSON.parse(String(byType.identify?.traits))).toEqual({
      plan: 'gold',
      email: createHash('sha256').update('a@example.com').digest('hex'),
    })
    expect(byType.page).toMatchObject({ name: 'Product', page_path: '/p/mug' })
    expect(byType.track).toMatchObject({
      event: 'Order Completed',
      order_id: 'o-77',
      revenue: 42.5,
      currency: 'EUR',
      utm_source: 'newsletter',
      utm_campaign: 'black-friday',
      ip: '203.0.113.0',
    })
    expect(byType.alias).toMatchObject({ previous_id: 'seg-anon-2' })
  })
})
