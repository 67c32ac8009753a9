import { describe, expect, it } from 'vitest'
import type { SillageEvent } from '@sillage/schemas'
import { validateEvent } from './validate.js'

const ok = (raw: unknown): SillageEvent => {
  const v = validateEvent(raw, {})
  if (!v.ok) throw new Error(v.message)
  return v.event
}

describe('control characters in names and ids', () => {
  it('are removed from event names and ids (fast path)', () => {
    const e = ok({
      type: 'track',
      event: 'Order\u0000 Completed\u001b[31m',
      anonymousId: 'a\u0007b',
      userId: 'u\u007f1',
      messageId: 'm\n1',
    })
    expect(e).toMatchObject({
      event: 'Order Completed[31m',
      anonymousId: 'ab',
      userId: 'u1',
      messageId: 'm1',
    })
  })

  it('are removed on the schema path too (alias, group, externalIds, page name)', () => {
    expect(ok({ type: 'alias', previousId: 'p\u0000', userId: 'u\t' })).toMatchObject({
      previousId: 'p',
      userId: 'u',
    })
    expect(ok({ type: 'group', groupId: '\u0001g', userId: 'u' })).toMatchObject({ groupId: 'g' })
    expect(
      ok({
        type: 'page',
        name: 'Home\r\n',
        anonymousId: 'a',
        context: { externalIds: [{ id: 'x\u0000', type: 't' }] },
      }),
    ).toMatchObject({ name: 'Home', context: { externalIds: [{ id: 'x', type: 't' }] } })
  })

  it('leave properties alone', () => {
    const e = ok({ type: 'track', event: 'E', anonymousId: 'a', properties: { note: 'line\nbreak' } })
    expect(e).toMatchObject({ properties: { note: 'line\nbreak' } })
  })

  it('refuse a required name left empty, and an event whose only id is left empty', () => {
    expect(validateEvent({ type: 'track', event: '\u0000\u001b', anonymousId: 'a' }, {})).toMatchObject({
      ok: false,
      code: 'SIL_EVENT_SCHEMA',
    })
    expect(validateEvent({ type: 'track', event: 'E', userId: '\u0000' }, {})).toMatchObject({
      ok: false,
      code: 'SIL_EVENT_NO_IDENTITY',
    })
  })

  it('refuse 1e400 instead of storing null, and an unsafe numeric id that reached validation', () => {
    const inf = JSON.parse('{"type":"track","event":"E","anonymousId":"a","properties":{"x":1e400}}')
    expect(validateEvent(inf, {})).toMatchObject({ ok: false, code: 'SIL_EVENT_NUMBER_OUT_OF_RANGE' })
    expect(validateEvent({ type: 'track', event: 'E', userId: 2 ** 60 }, {})).toMatchObject({
      ok: false,
      code: 'SIL_EVENT_SCHEMA',
    })
    expect(ok({ type: 'track', event: 'E', userId: 2 ** 53 - 1 })).toMatchObject({
      userId: '9007199254740991',
    })
  })
})
