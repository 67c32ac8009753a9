import { describe, expect, it } from 'vitest'
import { bucketKeys, parseFilters, previousPeriod, rangeDays } from './filters.js'

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
