import type { EnrichedEvent } from '@sillage/schemas'

/** One row of `events`: snake_case Segment fields plus typed columns for the hot fields. */
export interface EventRow {
  message_id: string
  type: string
  event: string
  name: string
  timestamp: string
  original_timestamp: string | null
  sent_at: string | null
  received_at: string
  anonymous_id: string
  user_id: string
  person_id: string
  session_id: string
  source_id: string
  group_id: string
  previous_id: string
  page_url: string
  page_path: string
  page_title: string
  referrer: string
  utm_source: string
  utm_medium: string
  utm_campaign: string
  utm_term: string
  utm_content: string
  revenue: number | null
  currency: string
  order_id: string
  product_id: string
  ip: string
  user_agent: string
  browser: string
  browser_version: string
  os: string
  device_type: string
  is_bot: boolean
  library_name: string
  library_version: string
  /**
   * The JSON text columns (String in ClickHouse), given as the objects themselves: the row is
   * encoded once, and the engine stores each object's text as it reads it
   * (`input_format_json_read_objects_as_strings`, set by the events insert), byte for byte what
   * `JSON.stringify` of the object gives. No string is encoded twice (docs/benchmarks.md).
   */
  consent: JsonText
  properties: JsonText
  traits: JsonText
  context: JsonText
}

/**
 * A JSON text column's value: an object or array, stored as its text by the engine, or (a
 * producer other than the collector sent a scalar) the JSON text itself, encoded here.
 */
export type JsonText = object | string

const jsonText = (v: unknown): JsonText =>
  typeof v === 'object' && v !== null ? v : (JSON.stringify(v) ?? 'null')

type Dict = Record<string, unknown>

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '')
const num = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN
  return Number.isFinite(n) ? n : null
}
const first = (...values: unknown[]): string => {
  for (const v of values) {
    const s = str(v)
    if (s !== '') return s
  }
  return ''
}

/** Maps an enriched event to its warehouse row. Pure; no I/O. */
export function toEventRow(e: EnrichedEvent, personId: string): EventRow {
  const props: Dict = 'properties' in e && e.properties ? e.properties : {}
  const traits: Dict = 'traits' in e && e.traits ? e.traits : {}
  const ctx = e.context ?? {}
  const page = ctx.page ?? {}
  const campaign = ctx.campaign ?? {}
  const isPage = e.type === 'page'
  return {
    message_id: e.messageId,
    type: e.type,
    event: e.type === 'track' ? e.event : '',
    name: (e.type === 'page' || e.type === 'screen') && e.name ? e.name : '',
    timestamp: e.timestamp,
    original_timestamp: e.originalTimestamp ?? null,
    sent_at: e.sentAt ?? null,
    received_at: e.receivedAt,
    anonymous_id: e.anonymousId ?? '',
    user_id: e.userId ?? '',
    person_id: personId,
    session_id: str(ctx.sessionId),
    source_id: e.sourceId,
    group_id: e.type === 'group' ? e.groupId : '',
    previous_id: e.type === 'alias' ? e.previousId : '',
    page_url: first(page.url, isPage ? props['url'] : undefined),
    page_path: first(page.path, isPage ? props['path'] : undefined),
    page_title: first(page.title, isPage ? props['title'] : undefined),
    referrer: first(page.referrer, isPage ? props['referrer'] : undefined),
    utm_source: str(campaign.source),
    utm_medium: str(campaign.medium),
    utm_campaign: str(campaign.name),
    utm_term: str(campaign.term),
    utm_content: str(campaign.content),
    revenue: num(props['revenue'] ?? props['total']),
    currency: str(props['currency']),
    order_id: first(props['order_id'], props['orderId']),
    product_id: first(props['product_id'], props['productId']),
    ip: str(ctx.ip),
    user_agent: str(ctx.userAgent),
    browser: e.ua?.browser ?? '',
    browser_version: e.ua?.browserVersion ?? '',
    os: e.ua?.os ?? '',
    device_type: e.ua?.deviceType ?? '',
    is_bot: e.ua?.bot ?? false,
    library_name: str(ctx.library?.name),
    library_version: str(ctx.library?.version),
    consent: jsonText(ctx.consent ?? {}),
    properties: jsonText(props),
    traits: jsonText(traits),
    context: jsonText(ctx),
  }
}
