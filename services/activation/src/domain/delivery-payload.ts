/**
 * What a destination receives: delivery items (an audience entry or exit, a trigger firing) and
 * the body templates (docs/activation.md). Only hashed identifiers and ids ever appear: Sillage
 * stores no clear-text email or phone. Pure.
 */
import { createHash } from 'node:crypto'

export interface DeliveryItem {
  /** The membership change's or firing's message id: the receiver's per-item idempotency key. */
  id: string
  type: 'audience.entered' | 'audience.exited' | 'trigger.fired' | 'person.deleted'
  /** The audience or trigger id. */
  source: string
  personId: string
  userId: string
  emailSha256: string
  phoneSha256: string
  at: string
  properties?: Record<string, unknown>
}

export type TemplateName = 'sillage' | 'klaviyo' | 'brevo' | 'meta'

/** The batch's idempotency key: SHA-256 over the destination and its items' ids, in order. */
export function batchKey(destinationId: string, items: readonly DeliveryItem[]): string {
  const h = createHash('sha256').update(destinationId)
  for (const i of items) h.update('\0').update(i.id)
  return h.digest('hex')
}

const adds = (i: DeliveryItem) => i.type === 'audience.entered' || i.type === 'trigger.fired'

/** The JSON body of a batch in a template. */
export function renderBatch(
  template: TemplateName,
  destinationId: string,
  items: readonly DeliveryItem[],
  sentAt: string,
): unknown {
  const key = batchKey(destinationId, items)
  switch (template) {
    case 'sillage':
      return {
        batch_id: key,
        destination: destinationId,
        sent_at: sentAt,
        items: items.map((i) => ({
          id: i.id,
          type: i.type,
          ...(i.type === 'trigger.fired'
            ? { trigger: i.source }
            : i.type === 'person.deleted'
              ? { reason: 'erasure' }
              : { audience: i.source }),
          person_id: i.personId,
          ...(i.userId ? { user_id: i.userId } : {}),
          email_sha256: i.emailSha256,
          phone_sha256: i.phoneSha256,
          at: i.at,
          ...(i.properties ? { properties: i.properties } : {}),
        })),
      }
    case 'klaviyo':
      // A Klaviyo-style bulk profile upsert: one profile per item, the membership as a property.
      return {
        data: {
          type: 'profile-bulk-import-job',
          attributes: {
            profiles: {
              data: items.map((i) => ({
                type: 'profile',
                attributes: {
                  external_id: i.userId || i.personId,
                  properties: { [`sillage_${i.source}`]: adds(i), sillage_email_sha256: i.emailSha256 },
                },
              })),
            },
          },
        },
      }
    case 'brevo':
      // A Brevo/Mailchimp-style list membership change, per list (audience or trigger).
      return {
        lists: [...new Set(items.map((i) => i.source))].map((list) => ({
          list,
          add: items
            .filter((i) => i.source === list && adds(i))
            .map((i) => ({ ext_id: i.userId || i.personId, email_sha256: i.emailSha256 })),
          remove: items
            .filter((i) => i.source === list && !adds(i))
            .map((i) => ({ ext_id: i.userId || i.personId, email_sha256: i.emailSha256 })),
        })),
      }
    case 'meta':
      // A Meta-style hashed customer list: schema + rows, additions and removals apart.
      return {
        schema: ['EMAIL_SHA256', 'PHONE_SHA256', 'EXTERN_ID'],
        add: items.filter(adds).map((i) => [i.emailSha256, i.phoneSha256, i.personId]),
        remove: items.filter((i) => !adds(i)).map((i) => [i.emailSha256, i.phoneSha256, i.personId]),
      }
  }
}

const CSV_COLUMNS = [
  'id',
  'type',
  'source',
  'person_id',
  'user_id',
  'email_sha256',
  'phone_sha256',
  'at',
] as const

/**
 * One CSV cell. A string that a spreadsheet would read as a formula (starting with `=`, `+`, `-`,
 * `@`, a tab or a carriage return: OWASP's CSV injection rule) gets a leading `'`, so a user id
 * like `=cmd|' /C calc'!A0` stays text; a number is written as is (`-12.5` stays a number). Then
 * RFC 4180 quoting.
 */
export function csvCell(v: string | number): string {
  if (typeof v === 'number') return String(v)
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** A file export's content: CSV with a header, or NDJSON. */
export function renderFile(format: 'csv' | 'ndjson', items: readonly DeliveryItem[]): string {
  const rows = items.map((i) => ({
    id: i.id,
    type: i.type,
    source: i.source,
    person_id: i.personId,
    user_id: i.userId,
    email_sha256: i.emailSha256,
    phone_sha256: i.phoneSha256,
    at: i.at,
  }))
  if (format === 'ndjson') return rows.map((r) => JSON.stringify(r)).join('\n') + '\n'
  return (
    [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\n') +
    '\n'
  )
}
