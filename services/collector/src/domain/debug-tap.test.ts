import { describe, expect, it } from 'vitest'
import { createDebugTap, type TapMessage } from './debug-tap.js'

const accepted = (
  sourceId: string,
  event: string,
  anonymousId: string,
  messageId = `${event}-${anonymousId}`,
) =>
  Buffer.from(
    JSON.stringify({
      type: 'track',
      event,
      anonymousId,
      messageId,
      sourceId,
      receivedAt: '2026-01-01T00:00:00.000Z',
    }),
  )
const rejected = (sourceId: string, payload: unknown) =>
  Buffer.from(
    JSON.stringify({
      reason: { code: 'SIL_EVENT_SCHEMA', message: 'the event does not match: event: expected string' },
      index: 0,
      sourceId,
      receivedAt: '2026-01-01T00:00:00.000Z',
      payload,
    }),
  )

describe('debug tap', () => {
  it('keeps the latest events per source, accepted and rejected with their reason', () => {
    const tap = createDebugTap({ capacity: 100 })
    tap.record(
      'accepted',
      Array.from({ length: 5 }, (_, i) => accepted('web', `E${i}`, 'a1')),
    )
    tap.record('accepted', [accepted('backend', 'Order Completed', 'a2')])
    tap.record('rejected', [rejected('web', { type: 'track', event: 42, userId: 'u9' })])

    const recent = tap.recent({}, 3)
    expect(recent.map((e) => `${e.sourceId}:${e.event ?? e.status}`)).toEqual([
      'web:E3',
      'web:E4',
      'backend:Order Completed',
      'web:rejected',
    ])
    const bad = recent.at(-1)
    expect(bad).toMatchObject({
      status: 'rejected',
      userId: 'u9',
      reason: { code: 'SIL_EVENT_SCHEMA' },
      payload: { event: 42 },
    })
  })

  it('filters by source, event name and user or anonymous id (case-insensitive substrings)', () => {
    const tap = createDebugTap()
    tap.record('accepted', [
      accepted('web', 'Product Viewed', 'visitor-1'),
      accepted('web', 'Order Completed', 'visitor-2'),
      accepted('pos', 'Order Completed', 'card-7'),
    ])
    expect(tap.recent({ event: 'order' }, 10).map((e) => e.anonymousId)).toEqual(['visitor-2', 'card-7'])
    expect(tap.recent({ id: 'VISITOR' }, 10)).toHaveLength(2)
    expect(tap.recent({ sourceId: 'pos' }, 10).map((e) => e.event)).toEqual(['Order Completed'])
    expect(tap.recent({ sourceId: 'web', event: 'viewed', id: '1' }, 10)).toHaveLength(1)
  })

  it('decodes nothing while nobody watches, streams while someone does, and stamps persons', () => {
    const tap = createDebugTap()
    const seen: TapMessage[] = []
    tap.record('accepted', [accepted('web', 'Before', 'a1')])
    expect(tap.watching).toBe(false)
    const stop = tap.watch((m) => seen.push(m))
    expect(tap.watching).toBe(true)
    tap.record('accepted', [accepted('web', 'Live', 'a1', 'm-live')])
    tap.person([{ messageId: 'm-live', personId: 'p-1' }])
    stop()
    tap.record('accepted', [accepted('web', 'After', 'a1')])

    expect(seen.map((m) => m.kind)).toEqual(['entry', 'person'])
    expect(seen[0]).toMatchObject({ kind: 'entry', entry: { event: 'Live' } })
    expect(seen[1]).toEqual({ kind: 'person', messageId: 'm-live', personId: 'p-1' })
    // The backlog knows the person too.
    expect(tap.recent({ event: 'live' }, 5)[0]?.personId).toBe('p-1')
  })

  it('past its budget, counts skipped events and says how many with the next second', () => {
    let now = 0
    const tap = createDebugTap({ maxLivePerSecond: 2, now: () => now })
    const seen: TapMessage[] = []
    tap.watch((m) => seen.push(m))
    tap.record(
      'accepted',
      Array.from({ length: 5 }, (_, i) => accepted('web', `E${i}`, 'a')),
    )
    now = 1500
    tap.record('accepted', [accepted('web', 'Next', 'a')])
    expect(seen.map((m) => (m.kind === 'entry' ? m.entry.event : m.kind))).toEqual([
      'E0',
      'E1',
      'skipped',
      'Next',
    ])
    expect(seen[2]).toEqual({ kind: 'skipped', count: 3 })
  })

  it('ignores bytes that are not JSON objects and keeps only `capacity` events', () => {
    const tap = createDebugTap({ capacity: 3 })
    tap.record('accepted', [Buffer.from('not json'), Buffer.from('[1]')])
    tap.record(
      'accepted',
      Array.from({ length: 5 }, (_, i) => accepted('web', `E${i}`, 'a')),
    )
    expect(tap.recent({}, 10).map((e) => e.event)).toEqual(['E2', 'E3', 'E4'])
  })

  it('keeps refused requests beside events, streams them live, and filters them like events', () => {
    const tap = createDebugTap({ capacity: 10 })
    const live: TapMessage[] = []
    tap.watch((m) => live.push(m))
    tap.record('accepted', [accepted('web', 'E', 'a1')])
    tap.refused({
      sourceId: 'web',
      receivedAt: '2026-01-01T00:00:00.000Z',
      reason: { code: 'SIL_BODY_INVALID_JSON', message: 'body is not valid JSON' },
      request: { method: 'POST', url: '/v1/batch', contentType: 'text/plain' },
    })
    const [event, refused] = tap.recent({}, 10)
    expect(event?.status).toBe('accepted')
    expect(refused).toMatchObject({
      status: 'refused',
      sourceId: 'web',
      type: 'request',
      event: 'POST /v1/batch',
      reason: { code: 'SIL_BODY_INVALID_JSON' },
      payload: { contentType: 'text/plain' },
    })
    expect(refused!.seq).toBeGreaterThan(event!.seq)
    expect(live.map((m) => (m.kind === 'entry' ? m.entry.status : m.kind))).toEqual(['accepted', 'refused'])
    expect(tap.recent({ sourceId: 'backend' }, 10)).toEqual([])
    expect(tap.recent({ id: 'a1' }, 10).map((e) => e.status)).toEqual(['accepted'])
  })
})
