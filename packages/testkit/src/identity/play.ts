import type { Rng } from '../prng.js'
export { JUNK_USER_IDS } from '../shop/identity-traits.js'
import type { BrowseContext } from './browse.js'
import type { ShopperMix } from './options.js'
import type { Visit } from './visits.js'
import type { Emitted, Product, SegmentEvent, Shopper, World } from './types.js'

/**
 * Playing the visits in time order: device state (who is logged in, which app install) → events,
 * each with the identifiers it carries (`facts`, for the ground truth).
 */

function variants(rng: Rng, shopper: Shopper): { email?: string; phone?: string } {
  const out: { email?: string; phone?: string } = {}
  if (shopper.email) {
    out.email = rng.weighted([
      [shopper.email, 3],
      [shopper.email.toUpperCase(), 1],
      [` ${shopper.email[0]!.toUpperCase()}${shopper.email.slice(1)} `, 1],
    ])
  }
  if (shopper.phone) {
    const national = shopper.phone.slice(3)
    out.phone = rng.weighted([
      [shopper.phone, 2],
      [`00${shopper.phone.slice(1)}`, 1],
      [
        `+33 ${national.slice(0, 1)} ${national.slice(1, 3)} ${national.slice(3, 5)} ${national.slice(5, 7)} ${national.slice(7)}`,
        1,
      ],
    ])
  }
  return out
}

export function playVisits(
  rng: Rng,
  world: World,
  visits: Visit[],
  catalogue: readonly Product[],
  browse: (ctx: BrowseContext) => void,
  mix: ShopperMix,
  seed: number,
): Emitted[] {
  const out: Emitted[] = []
  const loggedIn = new Map<string, Shopper>()
  const installOf = new Map<string, number>()
  let n = 0
  let walkIns = 0
  const messageId = (): string => `gen-${seed}-${String(n++).padStart(8, '0')}`

  for (const visit of visits) {
    let clock = visit.at
    const tick = (): string => new Date((clock += rng.int(5, 90) * 1000)).toISOString()
    const { shopper } = visit

    if (visit.where === 'store') {
      const useExternalIds = rng.chance(0.5)
      const receiptEmail =
        shopper.email && rng.chance(mix.receiptEmail) ? variants(rng, shopper).email : undefined
      const total = rng.int(10, 200) + 0.5
      const posId = `pos-${rng.int(1, 40)}-${rng.hex(12)}`
      out.push({
        shopperId: shopper.id,
        channel: 'store',
        facts: [
          `anon:${posId}`,
          `card:${shopper.loyaltyCard}`,
          ...(receiptEmail ? [`email:${shopper.email}`] : []),
        ],
        event: {
          type: 'track',
          event: 'Order Completed',
          messageId: messageId(),
          timestamp: tick(),
          anonymousId: posId,
          properties: {
            order_id: `pos-order-${rng.hex(10)}`,
            revenue: total,
            currency: 'EUR',
            ...(!useExternalIds && { loyalty_card: shopper.loyaltyCard }),
          },
          context: {
            ...(useExternalIds && { externalIds: [{ type: 'loyalty_card', id: shopper.loyaltyCard }] }),
            ...(receiptEmail && { traits: { email: receiptEmail } }),
          },
        },
      })
      if (rng.chance(mix.walkIns)) {
        const walkInId = `pos-${rng.int(1, 40)}-${rng.hex(12)}`
        out.push({
          shopperId: `walk-in-${walkIns++}`,
          channel: 'store',
          facts: [`anon:${walkInId}`],
          event: {
            type: 'track',
            event: 'Order Completed',
            messageId: messageId(),
            timestamp: tick(),
            anonymousId: walkInId,
            properties: { order_id: `pos-order-${rng.hex(10)}`, revenue: rng.int(5, 50), currency: 'EUR' },
          },
        })
      }
      continue
    }

    const device = world.devices.get(visit.where)!
    // An app may have been re-installed: later visits use the later install.
    let install = installOf.get(device.id) ?? 0
    if (device.kind === 'app' && install + 1 < device.anonymousIds.length && rng.chance(0.3)) install++
    installOf.set(device.id, install)
    const anonymousId = device.anonymousIds[install]!

    const emitWith = (
      fields: Record<string, unknown> & { type: SegmentEvent['type'] },
      facts: string[],
    ): void => {
      const user = loggedIn.get(device.id)
      const context: Record<string, unknown> = {
        ...(fields['context'] as Record<string, unknown> | undefined),
      }
      if (device.deviceId) context['device'] = { id: device.deviceId, type: 'ios' }
      // A buggy integration on the shopper's browser sends its junk userId while nobody is signed in.
      const junk = !user && device.kind === 'web' ? shopper.junkUserId : undefined
      out.push({
        shopperId: shopper.id,
        channel: device.kind,
        device,
        facts: [
          `anon:${anonymousId}`,
          ...(user?.userId ? [`user:${user.userId}`] : []),
          ...(device.deviceId ? [`dev:${device.deviceId}`] : []),
          ...facts,
        ],
        event: {
          ...fields,
          messageId: messageId(),
          timestamp: tick(),
          anonymousId,
          ...(user?.userId ? { userId: user.userId } : junk !== undefined ? { userId: junk } : {}),
          context,
        } as SegmentEvent,
      })
    }
    const emit = (fields: Record<string, unknown> & { type: SegmentEvent['type'] }): void =>
      emitWith(fields, [])
    const ctx: BrowseContext = { rng, catalogue, shopper, device, emit }

    const steps = visit.steps
    if (!steps.includes('login') || rng.chance(0.5)) browse(ctx) // browsing before logging in
    if (steps.includes('newsletter')) {
      emitWith({ type: 'identify', traits: { email: variants(rng, shopper).email } }, [
        `email:${shopper.email}`,
      ])
    }
    if (steps.includes('login') && shopper.userId) {
      loggedIn.set(device.id, shopper)
      const v = variants(rng, shopper)
      emitWith({ type: 'identify', traits: { firstName: shopper.firstName, ...v } }, [
        ...(v.email ? [`email:${shopper.email}`] : []),
        ...(v.phone ? [`phone:${shopper.phone}`] : []),
      ])
    }
    if (steps.includes('registerCard') && shopper.loyaltyCard) {
      emitWith({ type: 'identify', traits: { loyalty_card: shopper.loyaltyCard } }, [
        `card:${shopper.loyaltyCard}`,
      ])
    }
    browse(ctx)
    if (steps.includes('logout')) loggedIn.delete(device.id)
  }
  return out
}
