import type { Logger } from '@sillage/runtime'
import type { RecipientStore } from '../adapters/clickhouse-recipients.js'
import type { ActivationDefinitions, WebhookDef } from '../domain/activation-file.js'
import { batchKey, renderBatch, type DeliveryItem } from '../domain/delivery-payload.js'
import { stableId } from '../domain/membership.js'
import { createFileExporter } from './file-exporter.js'
import type { WebhookSender } from './webhook-sender.js'

export interface ErasureNoticesDeps {
  log: Logger
  recipients: RecipientStore
  dataDir: string
  secretOf: (destinationId: string) => string | undefined
  senderFor: (d: WebhookDef, secret: string) => WebhookSender
  now: () => number
}

/**
 * Passes erasures on: for suppression keys (privacy.suppressions), every destination that
 * received the person gets a `person.deleted` item (the person id, user id, anonymous id, hashed
 * email and phone it was sent), then the ledger row is blanked. The returned function answers how many recipients are still to be told (a failed
 * notice is retried at the next run).
 */
export function createErasureNotices(deps: ErasureNoticesDeps) {
  const { log, recipients, now } = deps
  return async (defs: ActivationDefinitions, keys: readonly string[]): Promise<number> => {
    const found = await recipients.erased(keys)
    let sent = 0
    for (const d of defs.destinations) {
      const mine = found.filter((r) => r.destinationId === d.id)
      if (mine.length === 0) continue
      const at = new Date(now()).toISOString()
      const batch: DeliveryItem[] = mine.map((r) => ({
        id: stableId('erasure', r.destinationId, r.recipientKey),
        type: 'person.deleted',
        source: 'erasure',
        // The ids the destination was sent for the person: what it can find them by.
        personId: r.personId,
        userId: r.userId,
        emailSha256: r.emailSha256,
        phoneSha256: r.phoneSha256,
        at,
        ...(r.anonymousId ? { properties: { anonymous_id: r.anonymousId } } : {}),
      }))
      if (d.type === 'file') createFileExporter({ ...d, dataDir: deps.dataDir })(batch)
      else {
        const secret = deps.secretOf(d.id)
        if (!secret) continue
        const outcome = await deps.senderFor(d, secret)(
          JSON.stringify(renderBatch(d.template, d.id, batch, at)),
          batchKey(d.id, batch),
        )
        if (!outcome.ok) {
          log.warn(
            { destination: d.id, reason: outcome.reason },
            'erasure notice not delivered; retried later',
          )
          continue
        }
      }
      await recipients.markErased(mine, now())
      sent += mine.length
      log.info({ destination: d.id, recipients: mine.length }, 'erasure passed on')
    }
    return found.length - sent
  }
}
