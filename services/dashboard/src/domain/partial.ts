/**
 * Partial buckets of the time series. Pure. A week that the range, the data or today cuts holds
 * fewer than seven days: drawn like a full one, the first days of a shop's tracking, a range that
 * starts on a Thursday or the current week so far read as a drop in sales. The page marks them
 * (docs/dashboard.md, "Partial weeks").
 */
import { dayMs, dayString } from './filters.js'

const DAY_MS = 86_400_000

/** The days of a bucket the series holds, when fewer than the bucket's. */
export interface PartialBucket {
  /** The first day counted, YYYY-MM-DD. */
  from: string
  /** The last day counted, inclusive. */
  to: string
  /** How many days are counted, of `of` (7 for a week, 1 for a day). */
  days: number
  of: number
  /** Today is its last day counted: the bucket is not over ("so far"). */
  soFar: boolean
}

export interface CoverageBounds {
  /** The range (inclusive UTC days): a week it starts or ends inside is cut. */
  from: string
  to: string
  /** The first day with data (null: none): nothing was tracked before it. */
  firstDay: string | null
  /** Today (UTC): its bucket has only the days so far. */
  today: string
}

const later = (a: string, b: string) => (a > b ? a : b)
const earlier = (a: string, b: string) => (a < b ? a : b)

/**
 * The part of `bucket` (a day, or a week's Monday) the series counts, when it is not the whole of
 * it; null for a whole bucket, and for one the bounds leave empty (a week before the first day
 * with data or after today: nothing is missing from it, it has no data).
 */
export function partialBucket(
  bucket: string,
  granularity: 'day' | 'week',
  bounds: CoverageBounds,
): PartialBucket | null {
  const of = granularity === 'week' ? 7 : 1
  const last = dayString(dayMs(bucket) + (of - 1) * DAY_MS)
  let start = later(bucket, bounds.from)
  if (bounds.firstDay !== null) start = later(start, bounds.firstDay)
  let end = earlier(last, bounds.to)
  const soFar = bounds.today >= start && bounds.today <= end
  if (soFar) end = bounds.today
  if (start > end || bounds.today < start) return null
  if (!soFar && start === bucket && end === last) return null
  return { from: start, to: end, days: Math.round((dayMs(end) - dayMs(start)) / DAY_MS) + 1, of, soFar }
}
