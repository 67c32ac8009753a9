import { suppressionKey } from '@sillage/identifiers'
import type { Warehouse } from '@sillage/warehouse'
import type { DeliveryItem } from '../domain/delivery-payload.js'
import { stableId } from '../domain/membership.js'
import { chDateTime } from './clickhouse-audiences.js'

export interface Recipient {
  destinationId: string
  recipientKey: string
  /** The ids the destination was sent ('' when none, or recorded before migration 0082). */
  personId: string
  userId: string
  anonymousId: string
  emailSha256: string
  phoneSha256: string
}

/** The anonymous id an item carries (a trigger firing's `properties.anonymous_id`), else ''. */
export const anonymousIdOf = (i: DeliveryItem): string =>
  typeof i.properties?.['anonymous_id'] === 'string' ? i.properties['anonymous_id'] : ''

/**
 * One row per person a destination knows: by person id, else user id, else anonymous id (a
 * trigger firing before login has only the last).
 */
const recipientOf = (i: DeliveryItem): string =>
  i.personId || (i.userId ? `u:${i.userId}` : `a:${anonymousIdOf(i)}`)

/** The suppression keys an erasure of this person could name (docs/privacy.md). */
export function subjectKeys(i: DeliveryItem): string[] {
  const anonymousId = anonymousIdOf(i)
  const ids = [
    { type: 'person_id', value: i.personId },
    { type: 'user_id', value: i.userId },
    { type: 'anonymous_id', value: anonymousId },
    { type: 'email', value: i.emailSha256 },
    { type: 'phone', value: i.phoneSha256 },
  ]
  return ids.filter((id) => id.value !== '').map(suppressionKey)
}

const iso = (ms: number) => chDateTime(new Date(ms).toISOString())

/** activation_recipients: who each destination has received, to pass on an erasure. */
export function createRecipientStore(warehouse: Warehouse) {
  const { client, database: db } = warehouse
  return {
    async remember(destinationId: string, items: readonly DeliveryItem[], now: number): Promise<void> {
      const values = items
        .filter((i) => i.type !== 'audience.exited')
        .map((i) => ({
          destination_id: destinationId,
          recipient_key: stableId('recipient', destinationId, recipientOf(i)),
          subject_keys: subjectKeys(i),
          sent_person: i.personId,
          sent_user: i.userId,
          sent_anonymous: anonymousIdOf(i),
          email_sha256: i.emailSha256,
          phone_sha256: i.phoneSha256,
          first_at: iso(now),
          erased_at: null,
          version: now,
        }))
      if (values.length > 0)
        await client.insert({ table: `${db}.activation_recipients`, format: 'JSONEachRow', values })
    },

    /** Recipients not yet told of their erasure whose keys include one of these. */
    async erased(keys: readonly string[]): Promise<Recipient[]> {
      if (keys.length === 0) return []
      const rs = await client.query({
        query: `SELECT destination_id, recipient_key, sent_person, sent_user, sent_anonymous,
                  email_sha256, phone_sha256
                FROM ${db}.activation_recipients FINAL
                WHERE erased_at IS NULL AND hasAny(subject_keys, {keys:Array(String)})`,
        query_params: { keys },
        format: 'JSONEachRow',
      })
      return (
        await rs.json<{
          destination_id: string
          recipient_key: string
          sent_person: string
          sent_user: string
          sent_anonymous: string
          email_sha256: string
          phone_sha256: string
        }>()
      ).map((r) => ({
        destinationId: r.destination_id,
        recipientKey: r.recipient_key,
        personId: r.sent_person,
        userId: r.sent_user,
        anonymousId: r.sent_anonymous,
        emailSha256: r.email_sha256,
        phoneSha256: r.phone_sha256,
      }))
    },

    /** After the notice reached the destination: the ids and hashes are blanked, the row kept as a tombstone. */
    async markErased(recipients: readonly Recipient[], now: number): Promise<void> {
      if (recipients.length === 0) return
      await client.insert({
        table: `${db}.activation_recipients`,
        format: 'JSONEachRow',
        values: recipients.map((r) => ({
          destination_id: r.destinationId,
          recipient_key: r.recipientKey,
          subject_keys: [],
          sent_person: '',
          sent_user: '',
          sent_anonymous: '',
          email_sha256: '',
          phone_sha256: '',
          first_at: iso(now),
          erased_at: iso(now),
          version: now,
        })),
      })
    },
  }
}
export type RecipientStore = ReturnType<typeof createRecipientStore>
