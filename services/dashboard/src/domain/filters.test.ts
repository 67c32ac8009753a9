import { describe, expect, it } from 'vitest'
import { bucketKeys, defaultLastDay, parseFilters, previousPeriod, rangeDays } from './filters.js'

describe('defaultLastDay', () => {
  const now = Date.parse('2026-12-06T23:17:00Z')
  it('is the last day with data, or today when there is none', () => {
    expect(defaultLastDay('2026-11-30', now)).toBe('2026-11-30')
    expect(defaultLastDay(null, now)).toBe('2026-12-06')
  })
  it('is never after today: an event stamped in the future does not move the range past it', () => {
    expect(defaultLastDay('2026-12-07', now)).toBe('2026-12-06')
    expect(defaultLastDay('2099-01-01', now)).toBe('2026-12-06')
  })
})

describe('parseFilters', () => {
  it('defaults to the 30 days that end on the last day with data', () => {
    expect(parseFilters({}, '2026-03-31')).toEqual({
      ok: true,
      filters: {
        from: '2026-03-02',
        to: '2026-03-31',
        source: '',
        channel: '',
        store: '',
        granularity: 'day',
      },
    })
  })

  it('keeps valid filters and refuses malformed ones', () => {
    const ok = parseFilters(
      {
        from: '2026-01-01',
        to: '2026-01-31',
        source: ' google ',
        channel: 'store',
        store: ' lyon ',
        granularity: 'week',
      },
      'x',
    )
    expect(ok).toMatchObject({
      ok: true,
      filters: { source: 'google', channel: 'store', store: 'lyon', granularity: 'week' },
    })
    for (const bad of [
      { from: '2026-02-30', to: '2026-03-01' },
      { from: '2026-03-02', to: '2026-03-01' },
      { from: "2026-01-01' OR 1=1", to: '2026-03-01' },
      { from: '2000-01-01', to: '2026-03-01' },
      { from: '2026-01-01', to: '2026-03-01', channel: 'fax' },
      { from: '2026-01-01', to: '2026-03-01', granularity: 'hour' },
      { from: '2026-01-01', to: '2026-03-01', source: 'x'.repeat(201) },
      { from: '2026-01-01', to: '2026-03-01', store: 'x'.repeat(201) },
    ]) {
      expect(parseFilters(bad, '2026-03-01').ok, JSON.stringify(bad)).toBe(false)
    }
  })

  it('accepts every value the menus offer: a channel of the data, a long source or store', () => {
    const long = 'x'.repeat(250)
    const choices = { sources: [long, ' spaced '], channels: ['kiosk', 'web'], stores: [long] }
    const q = { from: '2026-01-01', to: '2026-01-31' }
    expect(parseFilters({ ...q, channel: 'kiosk', source: long, store: long }, 'x', choices)).toMatchObject({
      ok: true,
      filters: { channel: 'kiosk', source: long, store: long },
    })
    // A value of the data is kept as the data spells it, not trimmed into another one.
    expect(parseFilters({ ...q, source: ' spaced ' }, 'x', choices)).toMatchObject({
      filters: { source: ' spaced ' },
    })
    // What the data does not hold is still refused.
    expect(parseFilters({ ...q, channel: 'fax' }, 'x', choices)).toEqual({
      ok: false,
      problem: 'channel must be web, app, server, store or a channel of the data',
    })
    expect(parseFilters({ ...q, source: 'y'.repeat(201) }, 'x', choices).ok).toBe(false)
    expect(parseFilters({ ...q, channel: ['kiosk', 'web'] }, 'x', choices).ok).toBe(false)
  })

  it('refuses days the warehouse cannot hold (ClickHouse Date: 1970-01-01 to 2149-06-06)', () => {
    const problem = (q: Record<string, unknown>) => {
      const r = parseFilters(q, '2026-03-01')
      return r.ok ? undefined : r.problem
    }
    expect(problem({ from: '0000-01-01', to: '0000-01-31' })).toBe(
      'from must be between 1970-01-01 and 2149-06-06',
    )
    expect(problem({ from: '9999-12-01', to: '9999-12-31' })).toBe(
      'from must be between 1970-01-01 and 2149-06-06',
    )
    expect(problem({ from: '2149-06-01', to: '2149-06-07' })).toBe(
      'to must be between 1970-01-01 and 2149-06-06',
    )
    expect(problem({ from: '1969-12-31', to: '1970-01-10' })).toBe(
      'from must be between 1970-01-01 and 2149-06-06',
    )
    expect(problem({ to: '0000-01-31' })).toBe('to must be between 1970-01-01 and 2149-06-06')
    // Only `to` given: the bad filter is `to`, not the `from` the range defaults to.
    expect(problem({ to: '9999-01-01' })).toBe('to must be between 1970-01-01 and 2149-06-06')
    expect(problem({ to: 'x' })).toBe('to must be a date, YYYY-MM-DD')
    expect(parseFilters({ from: '1970-01-01', to: '1970-01-10' }, 'x').ok).toBe(true)
    expect(parseFilters({ from: '2149-06-01', to: '2149-06-06' }, 'x').ok).toBe(true)
    expect(parseFilters({ to: '1970-01-10' }, 'x')).toMatchObject({ filters: { from: '1970-01-01' } })
  })

  it('refuses a filter given more than once, rather than keeping one value or none', () => {
    for (const name of ['from', 'to', 'source', 'channel', 'store', 'granularity']) {
      const r = parseFilters({ [name]: ['2026-01-01', '2026-01-02'] }, '2026-03-01')
      expect(r).toEqual({ ok: false, problem: `${name} may be given only once` })
    }
  })
})

describe('periods and buckets', () => {
  it('the previous period has the same length and ends the day before', () => {
    expect(previousPeriod({ from: '2026-03-01', to: '2026-03-31' })).toEqual({
      from: '2026-01-29',
      to: '2026-02-28',
    })
    expect(rangeDays({ from: '2026-03-01', to: '2026-03-01' })).toBe(1)
  })

  it('weeks start on Monday, before the range when it starts mid-week', () => {
    expect(bucketKeys({ from: '2026-03-04', to: '2026-03-17' }, 'week')).toEqual([
      '2026-03-02',
      '2026-03-09',
      '2026-03-16',
    ])
    expect(bucketKeys({ from: '2026-03-04', to: '2026-03-06' }, 'day')).toEqual([
      '2026-03-04',
      '2026-03-05',
      '2026-03-06',
    ])
  })
})
