import type { Logger } from '@sillage/runtime'
import type { Recipient, RecipientStore } from '../adapters/clickhouse-recipients.js'
import type { ActivationDefinitions, DestinationDef, WebhookDef } from '../domain/activation-file.js'
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
  /** Tells one destination; whether it was told (a failed notice is retried at the next run). */
  async function notify(d: DestinationDef, mine: readonly Recipient[]): Promise<boolean> {
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
      if (!secret) return false
      const outcome = await deps.senderFor(d, secret)(
        JSON.stringify(renderBatch(d.template, d.id, batch, at)),
        batchKey(d.id, batch),
      )
      if (!outcome.ok) {
        log.warn({ destination: d.id, reason: outcome.reason }, 'erasure notice not delivered; retried later')
        return false
      }
    }
    await recipients.markErased(mine, now())
    log.info({ destination: d.id, recipients: mine.length }, 'erasure passed on')
    return true
  }
  /**
   * Every destination is told on its own lane (`lane`: queued behind its delivery in flight,
   * beside the other destinations'), so a receiver that hangs delays no other's notice. Each
   * destination's recipients are read when its turn comes (a notice queued behind a run sees
   * what that run recorded). Answers how many recipients are still to be told, those of
   * destinations no longer defined included (they are told if it comes back).
   */
  return async (
    defs: ActivationDefinitions,
    keys: readonly string[],
    lane: (d: DestinationDef, job: () => Promise<number>) => Promise<number> = (_d, job) => job(),
  ): Promise<number> => {
    const defined = new Set(defs.destinations.map((d) => d.id))
    const orphans = (await recipients.erased(keys)).filter((r) => !defined.has(r.destinationId)).length
    const left = await Promise.all(
      defs.destinations.map(async (d) => {
        try {
          return await lane(d, async () => {
            const mine = (await recipients.erased(keys)).filter((r) => r.destinationId === d.id)
            return mine.length === 0 || (await notify(d, mine)) ? 0 : mine.length
          })
        } catch (err) {
          log.error({ err, destination: d.id }, 'erasure notice failed; retried later')
          return 1
        }
      }),
    )
    return left.reduce((a, b) => a + b, orphans)
  }
}
