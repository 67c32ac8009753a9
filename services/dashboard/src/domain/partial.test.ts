import { describe, expect, it } from 'vitest'
import { partialBucket, type CoverageBounds } from './partial.js'

// 2026-11-30 is a Monday; 2026-12-06 the Sunday of that week.
const bounds = (b: Partial<CoverageBounds>): CoverageBounds => ({
  from: '2026-11-02',
  to: '2026-12-27',
  firstDay: '2026-01-01',
  today: '2027-01-15',
  ...b,
})

describe('partial buckets of the series', () => {
  it('a whole week inside the range, the data and the past is not partial', () => {
    expect(partialBucket('2026-11-30', 'week', bounds({}))).toBeNull()
  })

  it('a range that starts mid-week: its first week holds the days from the start', () => {
    expect(partialBucket('2026-11-30', 'week', bounds({ from: '2026-12-02' }))).toEqual({
      from: '2026-12-02',
      to: '2026-12-06',
      days: 5,
      of: 7,
      soFar: false,
    })
  })

  it('a range that ends mid-week: its last week holds the days up to the end', () => {
    expect(partialBucket('2026-11-30', 'week', bounds({ to: '2026-12-02' }))).toEqual({
      from: '2026-11-30',
      to: '2026-12-02',
      days: 3,
      of: 7,
      soFar: false,
    })
  })

  it('data that starts mid-week: that week holds the days since the first event', () => {
    expect(partialBucket('2026-11-30', 'week', bounds({ firstDay: '2026-12-04' }))).toMatchObject({
      from: '2026-12-04',
      days: 3,
    })
    // A week before the data has no day missing: it has no data.
    expect(partialBucket('2026-11-23', 'week', bounds({ firstDay: '2026-12-04' }))).toBeNull()
  })

  it('the current week so far (Mon 30 to Wed 2), even on its Sunday', () => {
    expect(partialBucket('2026-11-30', 'week', bounds({ today: '2026-12-02' }))).toEqual({
      from: '2026-11-30',
      to: '2026-12-02',
      days: 3,
      of: 7,
      soFar: true,
    })
    expect(partialBucket('2026-11-30', 'week', bounds({ today: '2026-12-06' }))).toMatchObject({
      days: 7,
      soFar: true,
    })
    // A week after today has not started: nothing to mark.
    expect(partialBucket('2026-12-07', 'week', bounds({ today: '2026-12-02' }))).toBeNull()
  })

  it('every cut at once: the range from Tuesday, data from Wednesday, today Friday', () => {
    expect(
      partialBucket(
        '2026-11-30',
        'week',
        bounds({ from: '2026-12-01', firstDay: '2026-12-02', today: '2026-12-04' }),
      ),
    ).toEqual({ from: '2026-12-02', to: '2026-12-04', days: 3, of: 7, soFar: true })
  })

  it('by day, only today is partial (so far)', () => {
    expect(partialBucket('2026-12-02', 'day', bounds({ today: '2026-12-02' }))).toEqual({
      from: '2026-12-02',
      to: '2026-12-02',
      days: 1,
      of: 1,
      soFar: true,
    })
    expect(partialBucket('2026-12-01', 'day', bounds({ today: '2026-12-02', from: '2026-12-01' }))).toBeNull()
  })
})
