import type { Shopper as ShopShopper } from '../shop/shoppers.js'
import type { Device, Shopper, World } from './types.js'

/**
 * The identity scenario's people: the shop's shoppers (`createShoppers` with its identity layer),
 * seen through their identifiers and devices. Members have an account (userId, email, maybe a
 * phone and a loyalty card); guests an email only when they sign up to the newsletter, a loyalty
 * card when they buy in store. Each browser or app install is a device; an app re-installed has
 * a second anonymous id; a household computer is one device with two owners.
 */
export function worldOf(profiles: readonly ShopShopper[]): World {
  const shoppers: Shopper[] = []
  const devices = new Map<string, Device>()
  for (const p of profiles) {
    const traits = p.identity
    if (!traits) throw new Error(`shopper ${p.key} has no identity layer: createShoppers(…, { identity })`)
    const loyaltyCard = p.loyaltyCard ?? traits.storeCard
    const shopper: Shopper = {
      id: p.key,
      firstName: p.firstName,
      devices: [],
      registersCard: traits.registersCard,
      active: [p.activeFrom, p.activeUntil],
      ...(p.userId && { userId: p.userId }),
      ...((p.member || traits.newsletter) && { email: p.email }),
      ...(p.phone && { phone: p.phone }),
      ...(loyaltyCard && { loyaltyCard }),
      ...(traits.junkUserId !== undefined && { junkUserId: traits.junkUserId }),
    }
    p.devices.forEach((d, i) => {
      const device: Device = {
        id: `${p.key}/${d.kind}${i}`,
        kind: d.kind === 'app' ? 'app' : 'web',
        anonymousIds: [d.anonymousId, ...(traits.extraAnonymousIds[i] ?? [])],
        ...(d.deviceId && { deviceId: d.deviceId }),
        owners: [p.key],
      }
      devices.set(device.id, device)
      shopper.devices.push(device.id)
    })
    if (traits.household) {
      const { id, anonymousId, with: other } = traits.household
      if (!devices.has(id)) {
        const owners = [p.key, other].sort()
        devices.set(id, { id, kind: 'web', anonymousIds: [anonymousId], owners })
      }
      shopper.devices.push(id)
    }
    shoppers.push(shopper)
  }
  return { shoppers, devices }
}
