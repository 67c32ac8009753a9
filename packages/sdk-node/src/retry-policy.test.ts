import { describe, expect, it } from 'vitest'
import { backoffDelay, judgeNetworkError, judgeResponse, parseRetryAfter } from './retry-policy.js'

const NOW = Date.UTC(2026, 0, 1)

describe('judgeResponse', () => {
  it('2xx is accepted, with the collector’s per-event rejections', () => {
    const body = JSON.stringify({
      success: true,
      accepted: 1,
      rejected: [{ index: 1, code: 'SIL_EVENT_SCHEMA', message: 'event: required' }],
    })
    expect(judgeResponse(200, body, null, NOW)).toEqual({
      kind: 'accepted',
      rejected: [{ index: 1, code: 'SIL_EVENT_SCHEMA', message: 'event: required' }],
    })
    expect(judgeResponse(204, '', null, NOW)).toEqual({ kind: 'accepted', rejected: [] })
  })

  it.each([408, 429, 500, 502, 503, 504])('%i is retried', (status) => {
    expect(judgeResponse(status, '', null, NOW).kind).toBe('retry')
  })

  it.each([400, 401, 403, 404, 422, 501, 505])('%i is final, never retried', (status) => {
    const v = judgeResponse(status, JSON.stringify({ code: 'SIL_X', message: 'no' }), null, NOW)
    expect(v).toMatchObject({ kind: 'refused', status, collectorCode: 'SIL_X', message: 'no' })
  })

  it('400 SIL_BATCH_ALL_REJECTED carries the per-event reasons', () => {
    const body = JSON.stringify({
      success: false,
      code: 'SIL_BATCH_ALL_REJECTED',
      rejected: [{ index: 0, code: 'SIL_EVENT_NO_IDENTITY', message: 'no id' }],
    })
    expect(judgeResponse(400, body, null, NOW)).toMatchObject({
      kind: 'refused',
      rejected: [{ index: 0, code: 'SIL_EVENT_NO_IDENTITY' }],
    })
  })

  it('413 asks for a split and 415 for a plain body', () => {
    expect(judgeResponse(413, '', null, NOW).kind).toBe('too-large')
    expect(judgeResponse(415, '', null, NOW).kind).toBe('unsupported-media-type')
  })

  it('keeps Retry-After on retriable answers', () => {
    expect(judgeResponse(503, '{"code":"SIL_BUS_UNAVAILABLE"}', '5', NOW)).toEqual({
      kind: 'retry',
      reason: 'HTTP 503 SIL_BUS_UNAVAILABLE',
      status: 503,
      retryAfterMs: 5000,
    })
  })

  it('network errors are retried, with the cause in the reason', () => {
    const err = new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })
    expect(judgeNetworkError(err)).toEqual({
      kind: 'retry',
      reason: 'TypeError: fetch failed (ECONNREFUSED)',
    })
  })
})

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7000)
    expect(parseRetryAfter(new Date(NOW + 3000).toUTCString(), NOW)).toBe(3000)
    expect(parseRetryAfter(new Date(NOW - 3000).toUTCString(), NOW)).toBe(0)
    expect(parseRetryAfter('soon', NOW)).toBeUndefined()
    expect(parseRetryAfter(null, NOW)).toBeUndefined()
  })
})

describe('backoffDelay', () => {
  const base = { baseMs: 500, maxMs: 30_000, maxRetryAfterMs: 300_000 }

  it('doubles at each retry, with half of each step jittered', () => {
    expect([1, 2, 3, 4].map((retry) => backoffDelay({ ...base, retry, random: 0 }))).toEqual([
      250, 500, 1000, 2000,
    ])
    expect([1, 2, 3, 4].map((retry) => backoffDelay({ ...base, retry, random: 0.999999 }))).toEqual([
      500, 1000, 2000, 4000,
    ])
  })

  it('is capped by maxMs', () => {
    expect(backoffDelay({ ...base, retry: 40, random: 0.999999 })).toBe(30_000)
  })

  it('never retries before Retry-After, and spreads clients over 10 % more', () => {
    expect(backoffDelay({ ...base, retry: 1, retryAfterMs: 7000, random: 0 })).toBe(7000)
    expect(backoffDelay({ ...base, retry: 1, retryAfterMs: 7000, random: 0.5 })).toBe(7350)
  })

  it('caps an absurd Retry-After', () => {
    expect(backoffDelay({ ...base, retry: 1, retryAfterMs: 86_400_000, random: 0 })).toBe(300_000)
  })
})
