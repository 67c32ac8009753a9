import type { Rng } from '../prng.js'
import type { ShopperMix } from './options.js'
import type { Device, Shopper, World } from './types.js'

/** The identity scenario's people: shoppers, their identifiers and devices (who exists). */

export function buildWorld(rng: Rng, count: number, mix: ShopperMix): World {
  const shoppers: Shopper[] = []
  const devices = new Map<string, Device>()
  const addDevice = (d: Device): string => {
    devices.set(d.id, d)
    return d.id
  }
  const names = ['Alice', 'Bruno', 'Chloé', 'David', 'Emma', 'Farid', 'Gaëlle', 'Hugo', 'Inès', 'Jules']
  for (let i = 0; i < count; i++) {
    const id = `shopper-${String(i).padStart(6, '0')}`
    const account = rng.chance(mix.account)
    const emailLocal = `${rng
      .pick(names)
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^a-z]/g, '')}.${rng.hex(6)}`
    const email = account || rng.chance(mix.newsletterOnly) ? `${emailLocal}@example.com` : undefined
    const card = rng.chance(mix.storeCustomer) ? `LC-${rng.int(10_000_000, 99_999_999)}` : undefined
    const shopper: Shopper = {
      id,
      firstName: rng.pick(names),
      devices: [],
      registersCard: account && card !== undefined && rng.chance(mix.registersCard),
      ...(account && { userId: `cust-${rng.hex(10)}` }),
      ...(email && { email }),
      ...(account && rng.chance(mix.phone) && { phone: `+336${rng.int(10_000_000, 99_999_999)}` }),
      ...(card && { loyaltyCard: card }),
    }
    const browsers = rng.int(1, 3)
    for (let b = 0; b < browsers; b++) {
      shopper.devices.push(
        addDevice({ id: `${id}/web${b}`, kind: 'web', anonymousIds: [rng.hex(24)], owners: [id] }),
      )
    }
    if (rng.chance(mix.app)) {
      const installs = rng.chance(0.3) ? 2 : 1
      shopper.devices.push(
        addDevice({
          id: `${id}/app`,
          kind: 'app',
          anonymousIds: Array.from({ length: installs }, () => `app-${rng.hex(20)}`),
          deviceId: `dev-${rng.hex(16)}`,
          owners: [id],
        }),
      )
    }
    shoppers.push(shopper)
  }
  // Households: pairs of account holders sharing one computer (its anonymousId persists).
  const candidates = shoppers.filter((s) => s.userId && rng.chance(mix.sharedComputer))
  for (let i = 0; i + 1 < candidates.length; i += 2) {
    const [a, b] = [candidates[i]!, candidates[i + 1]!]
    const id = `home-${a.id}-${b.id}`
    addDevice({ id, kind: 'web', anonymousIds: [rng.hex(24)], owners: [a.id, b.id] })
    a.devices.push(id)
    b.devices.push(id)
  }
  return { shoppers, devices }
}
