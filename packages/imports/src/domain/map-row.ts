import { columnOf, REQUIRED, type ResolvedMapping as Mapping } from './mapping.js'
import { hashToken, importMessageId } from './message-id.js'
import { receiptOrderId } from './order-id.js'
import { excelSerialDate } from './instant.js'
import { cell, cents, flag, instant, jsonArray, keyOf, num, text, type Row } from './values.js'

/** A Segment-spec event as the collector's batch endpoint takes it. */
export type ImportEvent = Record<string, unknown> & { type: string; messageId: string }

/** One row of the `products` dimension (migration 0074). */
export interface ProductRow {
  product_id: string
  sku: string
  name: string
  category: string
  brand: string
  price: number | null
  currency: string
  properties: string
}

export type RefusalCode =
  'SIL_IMPORT_FIELD_MISSING' | 'SIL_IMPORT_VALUE_INVALID' | 'SIL_IMPORT_VALUE_EXCEL_DATE'

/** What one row becomes: events, a product, or a refusal with its reason (never an exception). */
export type Mapped =
  | { ok: true; events: ImportEvent[]; product?: undefined }
  | { ok: true; product: ProductRow; events?: undefined }
  | { ok: false; code: RefusalCode; reason: string }

class Refusal extends Error {
  constructor(
    readonly code: RefusalCode,
    reason: string,
  ) {
    super(reason)
  }
}

export const IMPORT_LIBRARY = { name: 'sillage-import', version: '0.1.0' } as const

/** A value as a reason quotes it (JSON.stringify throws on a bigint). */
const shown = (v: unknown): string =>
  typeof v === 'bigint' ? v.toString() : (JSON.stringify(v) ?? String(v))

/** Why a required field is missing: its column is empty, or the file has no such column. */
function missing(name: string, column: string, row: Row): Refusal {
  if (keyOf(row, column) !== undefined)
    return new Refusal('SIL_IMPORT_FIELD_MISSING', `${name} (column ${JSON.stringify(column)}) is empty`)
  const keys = Object.keys(row)
  const listed = keys
    .slice(0, 12)
    .map((k) => JSON.stringify(k))
    .join(', ')
  return new Refusal(
    'SIL_IMPORT_FIELD_MISSING',
    `${name}: the row has no column ${JSON.stringify(column)} (its columns: ${listed}${keys.length > 12 ? ', …' : ''}); a mapping file renames columns`,
  )
}

function field(m: Mapping, row: Row, name: string): unknown {
  const v = cell(row, columnOf(m, name))
  return text(v) === undefined ? m.defaults[name] : v
}

function str(m: Mapping, row: Row, name: string): string | undefined {
  const v = text(field(m, row, name))
  if (v === undefined && REQUIRED[m.kind].includes(name)) throw missing(name, columnOf(m, name), row)
  return v
}

function money(m: Mapping, row: Row, name: string): number | undefined {
  const raw = field(m, row, name)
  const n = num(raw)
  if (n === undefined) str(m, row, name) // refuses a missing required field
  if (Number.isNaN(n))
    throw new Refusal('SIL_IMPORT_VALUE_INVALID', `${name}: ${shown(raw)} is not a decimal number`)
  return n === undefined ? undefined : cents(n)
}

function when(m: Mapping, row: Row, name: string, column = columnOf(m, name)): string | undefined {
  const raw = cell(row, column) ?? m.defaults[name]
  const t = instant(raw)
  const excel = t === null ? excelSerialDate(raw) : undefined
  if (excel !== undefined) {
    throw new Refusal(
      'SIL_IMPORT_VALUE_EXCEL_DATE',
      `${name}: ${shown(raw)} looks like an Excel serial date (${excel} in Excel's 1900 date system, 4 years later in a 1904 workbook, and in no time zone), not a date; format the column as yyyy-mm-dd hh:mm:ss (Excel: Format Cells, Custom) or export ISO 8601 (=TEXT(A2,"yyyy-mm-ddThh:mm:ss")), and import again`,
    )
  }
  if (t === null) {
    throw new Refusal(
      'SIL_IMPORT_VALUE_INVALID',
      `${name}: ${shown(raw)} is not a date from 1971 to 2099 (ISO-8601, zone-less read as UTC, or epoch seconds/ms)`,
    )
  }
  if (t === undefined && REQUIRED[m.kind].includes(name)) throw missing(name, column, row)
  return t
}

function extras(spec: Record<string, string>, row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, column] of Object.entries(spec)) {
    const v = cell(row, column)
    // A bigint (JSON cannot hold one) as a number while exact, else as its digits.
    if (text(v) !== undefined)
      out[name] = typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v
  }
  return out
}

function lineItems(m: Mapping, row: Row, orderId: string): Array<Record<string, unknown>> | undefined {
  const raw = field(m, row, 'items')
  const items = jsonArray(raw)
  if (items === undefined) return undefined
  if (items === null) throw new Refusal('SIL_IMPORT_VALUE_INVALID', 'items: not a JSON array of line items')
  return items.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new Refusal('SIL_IMPORT_VALUE_INVALID', `items[${i}]: not an object`)
    }
    const it = item as Record<string, unknown>
    const productId = text(it['product_id']) ?? text(it['id']) ?? text(it['sku'])
    const price = num(it['price'])
    const quantity = num(it['quantity']) ?? 1
    if (productId === undefined) throw new Refusal('SIL_IMPORT_FIELD_MISSING', `items[${i}]: no product_id`)
    if (price === undefined || Number.isNaN(price) || Number.isNaN(quantity)) {
      throw new Refusal('SIL_IMPORT_VALUE_INVALID', `items[${i}]: price and quantity must be numbers`)
    }
    // A line that names its order names the receipt's order, not the bare receipt number.
    return {
      ...it,
      ...('order_id' in it && { order_id: orderId }),
      product_id: productId,
      price: cents(price),
      quantity,
    }
  })
}

function receipt(m: Mapping, row: Row): ImportEvent[] {
  const receiptId = str(m, row, 'receipt_id') as string
  const storeId = str(m, row, 'store_id') as string
  const orderId = receiptOrderId(storeId, receiptId)
  const timestamp = when(m, row, 'timestamp') as string
  const total = money(m, row, 'total') as number
  const customerId = str(m, row, 'customer_id')
  const card = str(m, row, 'loyalty_card')
  const email = str(m, row, 'email')
  const phone = str(m, row, 'phone')
  const items = lineItems(m, row, orderId)
  const tax = money(m, row, 'tax')
  const discount = money(m, row, 'discount')
  const currency = str(m, row, 'currency')?.toUpperCase()
  const channel = m.channel ?? 'store'
  // Segment needs a userId or an anonymousId. Without a customer id, the receipt's own device is
  // the loyalty card (else the email, else the receipt): hashed, so no raw identifier sits there.
  const anchor = card
    ? `loyalty_card:${card}`
    : email
      ? `email:${email.toLowerCase()}`
      : `receipt:${storeId}:${receiptId}`
  const traits = { ...(email && { email }), ...(phone && { phone }) }
  return [
    {
      type: 'track',
      event: m.event ?? 'Order Completed',
      // Keyed on (store, receipt) as before the order id carried the store: a re-import adds nothing.
      messageId: importMessageId('receipts', `${storeId}\n${receiptId}`),
      ...(customerId ? { userId: customerId } : { anonymousId: `${channel}-${hashToken(anchor)}` }),
      timestamp,
      properties: {
        ...extras(m.properties, row),
        order_id: orderId,
        receipt_id: receiptId,
        store_id: storeId,
        channel,
        ...(card && { loyalty_card: card }),
        total,
        revenue: total,
        ...(tax !== undefined && { tax }),
        ...(discount !== undefined && { discount }),
        ...(currency && { currency }),
        ...(items && { products: items }),
      },
      context: {
        channel,
        library: IMPORT_LIBRARY,
        ...(Object.keys(traits).length > 0 && { traits }),
      },
    },
  ]
}

function contact(m: Mapping, row: Row): ImportEvent[] {
  const customerId = str(m, row, 'customer_id') as string
  const updatedAt = when(m, row, 'updated_at')
  const createdAt = when(m, row, 'created_at')
  const traits: Record<string, unknown> = { ...extras(m.traits, row) }
  for (const name of ['email', 'phone', 'loyalty_card', 'first_name', 'last_name', 'city', 'country']) {
    const v = str(m, row, name)
    if (v !== undefined) traits[name] = v
  }
  if (createdAt) traits['created_at'] = createdAt
  const at = updatedAt ?? createdAt
  const events: ImportEvent[] = [
    {
      type: 'identify',
      // A changed contact is a new identify; the same one again is the same message.
      messageId: importMessageId('crm', `${customerId}\nidentify\n${JSON.stringify(traits)}\n${at ?? ''}`),
      userId: customerId,
      ...(at && { timestamp: at }),
      traits,
      context: { library: IMPORT_LIBRARY },
    },
  ]
  const granted: string[] = []
  const denied: string[] = []
  const dates: Record<string, string> = {}
  for (const [category, cols] of Object.entries(m.consent ?? {})) {
    const raw = cell(row, cols.granted)
    const f = flag(raw)
    if (f === null)
      throw new Refusal(
        'SIL_IMPORT_VALUE_INVALID',
        `consent ${category}: ${JSON.stringify(raw)} is not a yes/no flag`,
      )
    if (f === undefined) continue
    ;(f ? granted : denied).push(category)
    const d = cols.at === undefined ? undefined : when(m, row, `consent ${category} date`, cols.at)
    if (d) dates[category] = d
  }
  if (granted.length + denied.length > 0) {
    const latest = Object.values(dates).sort().at(-1) ?? at
    const policy = str(m, row, 'policy_version')
    const categories = ['necessary', ...granted.filter((c) => c !== 'necessary')]
    events.push({
      type: 'track',
      event: 'Consent Updated',
      messageId: importMessageId(
        'crm',
        `${customerId}\nconsent\n${categories.join(',')}\n${denied.join(',')}\n${latest ?? ''}`,
      ),
      userId: customerId,
      ...(latest && { timestamp: latest }),
      properties: {
        categories,
        denied,
        ...(policy && { policy_version: policy }),
        granted_at: dates,
        source: 'crm',
      },
      context: { library: IMPORT_LIBRARY },
    })
  }
  return events
}

function product(m: Mapping, row: Row): ProductRow {
  const price = money(m, row, 'price')
  const url = str(m, row, 'url')
  const image = str(m, row, 'image_url')
  return {
    product_id: str(m, row, 'product_id') as string,
    sku: str(m, row, 'sku') ?? '',
    name: str(m, row, 'name') as string,
    category: str(m, row, 'category') ?? '',
    brand: str(m, row, 'brand') ?? '',
    price: price ?? null,
    currency: str(m, row, 'currency')?.toUpperCase() ?? '',
    properties: JSON.stringify({
      ...extras(m.properties, row),
      ...(url && { url }),
      ...(image && { image_url: image }),
    }),
  }
}

/** Maps one row of an import file; a bad row is a refusal value, never an exception. */
export function mapRow(m: Mapping, row: Row): Mapped {
  try {
    if (m.kind === 'catalogue') return { ok: true, product: product(m, row) }
    return { ok: true, events: m.kind === 'receipts' ? receipt(m, row) : contact(m, row) }
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, code: err.code, reason: err.message }
    throw err
  }
}
