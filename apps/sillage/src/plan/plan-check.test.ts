import { describe, expect, it } from 'vitest'
import { sourceSchema } from '@sillage/schemas'
import { checkSource, type RunSql } from './plan-check.js'

// The reading and counting of `sillage plan check`, over an in-memory table that answers the
// page query as ClickHouse would (keyset on received_at, message_id); the SQL itself runs against
// chDB in tests/tracking-plan.e2e.test.ts.
interface Stored {
  message_id: string
  event: string
  received: string
  properties: string
}

function table(rows: Stored[]): { run: RunSql; pages: number } {
  const state = { pages: 0 }
  const run: RunSql = async (_sql, params) => {
    state.pages++
    const events = params['events'] as readonly string[]
    const after = [String(params['after_at']), String(params['after_id'])]
    const page = rows
      .filter((r) => events.includes(r.event))
      .filter((r) => r.received > after[0]! || (r.received === after[0] && r.message_id > after[1]!))
      .slice(0, Number(params['page']))
    return page.map((r) => JSON.stringify(r)).join('\n') + (page.length ? '\n' : '')
  }
  return {
    run,
    get pages() {
      return state.pages
    },
  }
}

const at = (i: number) => `2026-12-04 10:00:${String(i).padStart(2, '0')}.000`
const order = (i: number, properties: Record<string, unknown>): Stored => ({
  message_id: `m${i}`,
  event: 'Order Completed',
  received: at(i),
  properties: JSON.stringify(properties),
})

const source = sourceSchema.parse({
  id: 'shop',
  writeKey: 'wk_12345678',
  type: 'server',
  trackingPlan: { mode: 'off' },
})

describe('checkSource', () => {
  const rows = [
    order(1, { order_id: 'a', currency: 'EUR' }),
    order(2, {
      currency: 'EUR',
      products: [
        { product_id: 'p', price: '1' },
        { product_id: 'q', price: '2' },
      ],
    }),
    order(3, { currency: 'EUR' }),
    { message_id: 'm4', event: 'Signed Up', received: at(4), properties: '{}' },
    { message_id: 'm5', event: 'Product Viewed', received: at(5), properties: '{"product_id":"p"}' },
  ]

  it('reads every page and counts each broken rule once per event, even with the plan off', async () => {
    const t = table(rows)
    const report = await checkSource(t.run, 'sillage', source, { days: 7, limit: 100, pageSize: 2 })
    expect(t.pages).toBe(3) // 4 planned events, 2 a page: two full pages, then an empty one
    expect(report).toMatchObject({ sourceId: 'shop', mode: 'off', checked: 4, failing: 2, truncated: false })
    const orders = report.events.find((e) => e.event === 'Order Completed')
    expect(orders).toMatchObject({ checked: 3, failing: 2 })
    expect(orders?.rules).toEqual([
      {
        rule: 'required:properties.order_id',
        count: 2,
        example: {
          messageId: 'm2',
          path: 'properties.order_id',
          message: "must have required property 'order_id'",
        },
      },
      {
        rule: 'type:properties.products[].price',
        count: 1,
        example: { messageId: 'm2', path: 'properties.products[0].price', message: 'must be number' },
      },
    ])
    expect(report.unseen).toContain('Checkout Started')
    expect(report.unseen).not.toContain('Order Completed')
  })

  it('stops at --limit and says so', async () => {
    const report = await checkSource(table(rows).run, 'sillage', source, { days: 7, limit: 3, pageSize: 2 })
    expect(report).toMatchObject({ checked: 3, truncated: true })
  })

  it('checks a plan given instead of the source’s own', async () => {
    const plan = {
      mode: 'block' as const,
      defaults: false,
      events: { 'Signed Up': { type: 'object', required: ['plan'] } },
    }
    const report = await checkSource(table(rows).run, 'sillage', source, { days: 7, limit: 100, plan })
    expect(report).toMatchObject({ checked: 1, failing: 1, unseen: [] })
    expect(report.events[0]?.rules[0]?.rule).toBe('required:properties.plan')
  })
})
