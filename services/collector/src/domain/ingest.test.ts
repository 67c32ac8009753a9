import { describe, expect, it } from 'vitest'
import { enrichEvent } from './enrich.js'
import { ingestItems, type DeadLetter } from './ingest.js'
import { validateEvent } from './validate.js'

const opts = {
  receivedAt: Date.parse('2026-01-01T12:00:10.000Z'),
  sourceId: 'web',
  newMessageId: () => 'gen-1',
  maxEventBytes: 32 * 1024,
}

describe('validateEvent', () => {
  it.each([
    ['track', { type: 'track', event: 'Product Viewed', anonymousId: 'a1' }],
    ['page', { type: 'page', name: 'Home', userId: 'u1' }],
    ['screen', { type: 'screen', name: 'Cart', anonymousId: 'a1' }],
    ['identify', { type: 'identify', userId: 42, traits: { email: 'x@y.z' } }],
    ['group', { type: 'group', groupId: 'g1', userId: 'u1' }],
    ['alias', { type: 'alias', previousId: 'a1', userId: 'u1' }],
  ])('accepts a valid %s', (_name, event) => {
    expect(validateEvent(event, {}).ok).toBe(true)
  })

  it.each([
    ['not an object', 'hello', 'SIL_EVENT_NOT_OBJECT'],
    ['an array', [1], 'SIL_EVENT_NOT_OBJECT'],
    ['unknown type', { type: 'nope', anonymousId: 'a' }, 'SIL_EVENT_SCHEMA'],
    ['track without event', { type: 'track', anonymousId: 'a' }, 'SIL_EVENT_SCHEMA'],
    [
      'bad timestamp',
      { type: 'track', event: 'E', anonymousId: 'a', timestamp: 'yesterday' },
      'SIL_EVENT_SCHEMA',
    ],
    [
      'timestamp out of range',
      { type: 'track', event: 'E', anonymousId: 'a', timestamp: '2999-01-01T00:00:00Z' },
      'SIL_EVENT_SCHEMA',
    ],
    ['no identity', { type: 'track', event: 'E' }, 'SIL_EVENT_NO_IDENTITY'],
    [
      'null identities',
      { type: 'track', event: 'E', userId: null, anonymousId: null },
      'SIL_EVENT_NO_IDENTITY',
    ],
  ])('rejects %s with its code', (_name, event, code) => {
    const v = validateEvent(event, {})
    expect(v.ok).toBe(false)
    if (!v.ok) expect(v.code).toBe(code)
  })

  it('forces the type of single-event endpoints and merges the batch context under the own one', () => {
    const v = validateEvent(
      { event: 'E', anonymousId: 'a', context: { locale: 'fr-FR' } },
      { type: 'track', batchContext: { locale: 'en-US', timezone: 'Europe/Paris' } },
    )
    expect(v.ok && v.event.type).toBe('track')
    expect(v.ok && v.event.context).toEqual({ locale: 'fr-FR', timezone: 'Europe/Paris' })
  })
})

describe('enrichEvent', () => {
  it('corrects clock skew: timestamp = receivedAt - (sentAt - originalTimestamp)', () => {
    const v = validateEvent(
      {
        type: 'track',
        event: 'E',
        anonymousId: 'a',
        timestamp: '2026-01-01T10:00:00.000Z',
        sentAt: '2026-01-01T10:00:05.000Z',
      },
      {},
    )
    if (!v.ok) throw new Error(v.message)
    const e = enrichEvent(v.event, opts)
    expect(e.timestamp).toBe('2026-01-01T12:00:05.000Z')
    expect(e.originalTimestamp).toBe('2026-01-01T10:00:00.000Z')
    expect(e.receivedAt).toBe('2026-01-01T12:00:10.000Z')
    expect(e.sourceId).toBe('web')
  })

  it('keeps the client timestamp when the correction would leave 1970..2100 (a broken sentAt)', () => {
    const v = validateEvent(
      {
        type: 'track',
        event: 'E',
        anonymousId: 'a',
        timestamp: '2026-01-01T10:00:00.000Z',
        sentAt: '2099-01-01T00:00:00.000Z',
      },
      {},
    )
    if (!v.ok) throw new Error(v.message)
    expect(enrichEvent(v.event, opts).timestamp).toBe('2026-01-01T10:00:00.000Z')
  })

  it('keeps a client messageId and generates one when absent', () => {
    const v = validateEvent({ type: 'track', event: 'E', anonymousId: 'a', messageId: 'm-1' }, {})
    const w = validateEvent({ type: 'track', event: 'E', anonymousId: 'a' }, {})
    if (!v.ok || !w.ok) throw new Error('invalid')
    expect(enrichEvent(v.event, opts).messageId).toBe('m-1')
    expect(enrichEvent(w.event, opts).messageId).toBe('gen-1')
    expect(enrichEvent(w.event, opts).timestamp).toBe('2026-01-01T12:00:10.000Z')
  })
})

describe('ingestItems', () => {
  it('keeps the good events of a batch and dead-letters the bad ones with index and reason', () => {
    const result = ingestItems(
      [
        { type: 'track', event: 'A', anonymousId: 'a1' },
        { type: 'track', anonymousId: 'a1' },
        { type: 'identify', userId: 'u1', anonymousId: 'a1' },
        { type: 'track', event: 'B' },
      ],
      opts,
    )
    expect(result.accepted.map((m) => JSON.parse(m.value.toString()).event ?? 'identify')).toEqual([
      'A',
      'identify',
    ])
    expect(result.accepted.map((m) => m.key)).toEqual(['a1', 'a1'])
    expect(result.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'SIL_EVENT_SCHEMA'],
      [3, 'SIL_EVENT_NO_IDENTITY'],
    ])
    const letters = result.deadLetters.map((m) => JSON.parse(m.value.toString()) as DeadLetter)
    expect(letters.map((l) => [l.index, l.reason.code, l.sourceId])).toEqual([
      [1, 'SIL_EVENT_SCHEMA', 'web'],
      [3, 'SIL_EVENT_NO_IDENTITY', 'web'],
    ])
    expect(letters[1]?.payload).toEqual({ type: 'track', event: 'B' })
  })

  it('refuses an event over the per-event limit', () => {
    const big = { type: 'track', event: 'Big', anonymousId: 'a', properties: { blob: 'x'.repeat(2000) } }
    const result = ingestItems([big, { type: 'track', event: 'Small', anonymousId: 'a' }], {
      ...opts,
      maxEventBytes: 1024,
    })
    expect(result.rejected).toEqual([expect.objectContaining({ index: 0, code: 'SIL_EVENT_TOO_LARGE' })])
    expect(result.accepted).toHaveLength(1)
  })

  it('keeps what the request added (endpoint type, batch sentAt and context) on the dead letter, for replays', () => {
    const single = ingestItems([{ event: 'E' }], { ...opts, type: 'track' })
    expect((JSON.parse(single.deadLetters[0]!.value.toString()) as DeadLetter).request).toEqual({
      type: 'track',
    })
    const batch = ingestItems([{ type: 'track', event: 'E' }], {
      ...opts,
      sentAt: '2026-01-01T00:00:00.000Z',
      batchContext: { locale: 'fr-FR' },
    })
    expect((JSON.parse(batch.deadLetters[0]!.value.toString()) as DeadLetter).request).toEqual({
      sentAt: '2026-01-01T00:00:00.000Z',
      context: { locale: 'fr-FR' },
    })
  })
})
