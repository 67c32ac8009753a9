import { describe, expect, it } from 'vitest'
import { decodeDeadLetter } from './dead-letters.js'

// A blocked event's dead letter holds the tracking plan's violations beside the reason message
// (docs/tracking-plans.md, "block"); `sillage dlq inspect --json` prints the letter as decoded here.
const record = (value: unknown) => ({
  topic: 'events.invalid',
  partition: 0,
  offset: 7,
  key: null,
  value: Buffer.from(JSON.stringify(value)),
  timestamp: Date.parse('2026-12-06T10:00:00.000Z'),
  headers: {},
})

const violations = [
  {
    rule: 'required:properties.order_id',
    path: 'properties.order_id',
    message: "must have required property 'order_id'",
  },
  {
    rule: 'type:properties.products[].price',
    path: 'properties.products[0].price',
    message: 'must be number',
  },
]

describe('decodeDeadLetter', () => {
  it('keeps the violations of a SIL_TRACKING_PLAN_VIOLATION', () => {
    const letter = decodeDeadLetter(
      record({
        reason: { code: 'SIL_TRACKING_PLAN_VIOLATION', message: 'Order Completed: …', violations },
        index: 1,
        sourceId: 'backend',
        receivedAt: '2026-12-06T10:00:00.000Z',
        payload: { type: 'track', event: 'Order Completed' },
      }),
    )
    expect(letter?.reason).toEqual({
      code: 'SIL_TRACKING_PLAN_VIOLATION',
      message: 'Order Completed: …',
      violations,
    })
  })

  it('adds no violations to a letter without them', () => {
    const letter = decodeDeadLetter(
      record({
        reason: { code: 'SIL_EVENT_NO_IDENTITY', message: 'no id' },
        index: 0,
        sourceId: 'seed',
        payload: {},
      }),
    )
    expect(letter?.reason).toEqual({ code: 'SIL_EVENT_NO_IDENTITY', message: 'no id' })
  })
})
