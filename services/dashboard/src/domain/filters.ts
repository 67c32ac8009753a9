/**
 * The dashboard's filters, as the URL carries them: a date range (inclusive UTC days), a traffic
 * source, a channel and a store. Pure: parses, validates and derives the previous period.
 */
export interface Filters {
  /** First day, YYYY-MM-DD (UTC). */
  from: string
  /** Last day, inclusive. */
  to: string
  /** A session source (`google`, `(direct)`, `(store)`, …); '' for all. */
  source: string
  /** web, app, server, store; '' for all. */
  channel: string
  /** A shop's store_id (its point-of-sale orders only); '' for all. */
  store: string
  /** Time series buckets. */
  granularity: 'day' | 'week'
}

export type FilterResult = { ok: true; filters: Filters } | { ok: false; problem: string }

/** What the filter menus offer (the data's sources, channels and stores): always accepted. */
export interface FilterChoices {
  sources: readonly string[]
  channels: readonly string[]
  stores: readonly string[]
}
const NO_CHOICES: FilterChoices = { sources: [], channels: [], stores: [] }

const DAY_MS = 86_400_000
/** The longest range one request may ask for (ten years of days). */
export const MAX_RANGE_DAYS = 3660
const DATE = /^\d{4}-\d{2}-\d{2}$/
/** The channels the models name (0020_sessions.sql); a sender's context.channel adds others. */
const CHANNELS = new Set(['', 'web', 'app', 'server', 'store'])
/**
 * The days the warehouse can answer for: ClickHouse's `Date` (the models' days, the queries' day
 * parameters) holds 1970-01-01 to 2149-06-06. Outside it a query fails or, worse, saturates.
 */
export const FIRST_DAY = '1970-01-01'
export const LAST_DAY = '2149-06-06'
/** The filters the URL may carry, each at most once (none is a list). */
const FILTER_NAMES = ['from', 'to', 'source', 'channel', 'store', 'granularity'] as const

export function dayMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`)
}

export function dayString(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

function isDay(v: string): boolean {
  return DATE.test(v) && Number.isFinite(dayMs(v)) && dayString(dayMs(v)) === v
}

const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '')

/** `v` exactly as one of the menu's `offered` values, else undefined. */
const offered = (v: unknown, list: readonly string[]): string | undefined =>
  typeof v === 'string' && list.includes(v) ? v : undefined

/**
 * The day the default range ends on: the latest day with data, but never after today (UTC): an
 * event stamped in the future (a device whose clock is ahead, sent without `sentAt`) must not make
 * the default range end on days that have not happened.
 */
export function defaultLastDay(lastDayWithData: string | null, nowMs: number): string {
  const today = dayString(nowMs)
  return lastDayWithData && lastDayWithData < today ? lastDayWithData : today
}

/**
 * Parses a query string. Missing dates default to the 30 days ending on `lastDay` (the latest
 * day with data, so a seeded or quiet shop still shows something). A source, channel or store
 * that the menus offer (`choices`, from the data) is taken as it is: a sender's own channel
 * (`context.channel: "kiosk"`) or a source over 200 characters is one the page lists, and the
 * API must not refuse what the page offers.
 */
export function parseFilters(
  query: Record<string, unknown>,
  lastDay: string,
  choices: FilterChoices = NO_CHOICES,
): FilterResult {
  for (const name of FILTER_NAMES) {
    // `?channel=web&channel=app` arrives as a list: refused, never silently read as one or none.
    if (Array.isArray(query[name])) return { ok: false, problem: `${name} may be given only once` }
  }
  const to = text(query['to']) || lastDay
  if (!isDay(to)) return { ok: false, problem: 'to must be a date, YYYY-MM-DD' }
  const asked = text(query['from'])
  const from = asked || dayString(Math.max(dayMs(FIRST_DAY), dayMs(to) - 29 * DAY_MS))
  if (!isDay(from)) return { ok: false, problem: 'from must be a date, YYYY-MM-DD' }
  // A `from` derived from `to` is out of bounds only through `to`: `?to=9999-01-01` names `to`.
  for (const [name, v] of [
    ['from', asked && from],
    ['to', to],
  ] as const) {
    if (v && (v < FIRST_DAY || v > LAST_DAY))
      return { ok: false, problem: `${name} must be between ${FIRST_DAY} and ${LAST_DAY}` }
  }
  if (dayMs(from) > dayMs(to)) return { ok: false, problem: 'from must not be after to' }
  if (rangeDays({ from, to }) > MAX_RANGE_DAYS) {
    return { ok: false, problem: `the range may not exceed ${MAX_RANGE_DAYS} days` }
  }
  const source = offered(query['source'], choices.sources) ?? text(query['source'])
  if (source.length > 200 && !choices.sources.includes(source))
    return { ok: false, problem: 'source is too long' }
  const channel = offered(query['channel'], choices.channels) ?? text(query['channel'])
  if (!CHANNELS.has(channel) && !choices.channels.includes(channel)) {
    return { ok: false, problem: 'channel must be web, app, server, store or a channel of the data' }
  }
  const store = offered(query['store'], choices.stores) ?? text(query['store'])
  if (store.length > 200 && !choices.stores.includes(store))
    return { ok: false, problem: 'store is too long' }
  const g = text(query['granularity']) || 'day'
  if (g !== 'day' && g !== 'week') return { ok: false, problem: 'granularity must be day or week' }
  return { ok: true, filters: { from, to, source, channel, store, granularity: g } }
}

export function rangeDays(r: { from: string; to: string }): number {
  return Math.round((dayMs(r.to) - dayMs(r.from)) / DAY_MS) + 1
}

/** The period of the same length that ends the day before `from`. */
export function previousPeriod(r: { from: string; to: string }): { from: string; to: string } {
  const days = rangeDays(r)
  return {
    from: dayString(dayMs(r.from) - days * DAY_MS),
    to: dayString(dayMs(r.from) - DAY_MS),
  }
}

/** The instant that ends a day: the next day's midnight (RFM and transitions are "as of" it). */
export function endOfDay(day: string): string {
  return `${dayString(dayMs(day) + DAY_MS)} 00:00:00.000`
}

export function startOfDay(day: string): string {
  return `${day} 00:00:00.000`
}

/** Bucket keys of a range: every day, or every Monday (ISO weeks) that starts a bucket. */
export function bucketKeys(r: { from: string; to: string }, granularity: 'day' | 'week'): string[] {
  const keys: string[] = []
  let t = dayMs(r.from)
  if (granularity === 'week') t -= ((new Date(t).getUTCDay() + 6) % 7) * DAY_MS
  const step = granularity === 'week' ? 7 * DAY_MS : DAY_MS
  for (; t <= dayMs(r.to); t += step) keys.push(dayString(t))
  return keys
}
