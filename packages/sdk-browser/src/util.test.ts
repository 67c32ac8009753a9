import { afterEach, describe, expect, it, vi } from 'vitest'
import { backoff, campaign, newId } from './util.js'

afterEach(() => vi.restoreAllMocks())

describe('newId', () => {
  it('is 26 base32 characters, time first', () => {
    const id = newId(Date.UTC(2026, 0, 1))
    expect(id).toMatch(/^[0-9a-v]{26}$/)
    expect(id.slice(0, 10)).toBe(Date.UTC(2026, 0, 1).toString(32).padStart(10, '0'))
  })

  it('sorts in creation order, even within one millisecond', () => {
    const ids = Array.from({ length: 50 }, () => newId(1_700_000_000_000))
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(50)
  })
})

describe('backoff', () => {
  it('doubles from 1 s up to 60 s, with 50–100 % jitter', () => {
    vi.spyOn(Math, 'random').mockReturnValue(1)
    expect([0, 1, 2, 5, 6, 10].map((a) => backoff(a, null))).toEqual([1000, 2000, 4000, 32000, 60000, 60000])
    vi.spyOn(Math, 'random').mockReturnValue(0)
    expect(backoff(0, null)).toBe(500)
  })

  it('never retries before Retry-After, in seconds or as an HTTP date', () => {
    vi.spyOn(Math, 'random').mockReturnValue(1)
    expect(backoff(0, '120')).toBe(120_000)
    const now = Date.UTC(2026, 0, 1)
    expect(backoff(0, new Date(now + 45_000).toUTCString(), now)).toBe(45_000)
    expect(backoff(3, '1')).toBe(8000)
    expect(backoff(0, 'garbage')).toBe(1000)
  })
})

describe('campaign', () => {
  it("maps utm_* to Segment's context.campaign (utm_campaign is name)", () => {
    expect(
      campaign('?utm_source=news&utm_medium=email&utm_campaign=spring&utm_term=mug&utm_content=a&x=1'),
    ).toEqual({
      source: 'news',
      medium: 'email',
      name: 'spring',
      term: 'mug',
      content: 'a',
    })
    expect(campaign('?q=mugs')).toBeUndefined()
  })
})
