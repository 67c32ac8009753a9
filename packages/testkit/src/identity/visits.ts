import type { Rng } from '../prng.js'
import type { ShopGeneratorOptions, ShopperMix } from './options.js'
import type { Shopper, World } from './types.js'

/**
 * When each shopper uses which device or shop, and which identity steps each visit holds: the
 * identity visits planned over the shop's shoppers, within each one's active period.
 */

export type Step = 'login' | 'logout' | 'newsletter' | 'registerCard'

export interface Visit {
  at: number
  seq: number
  shopper: Shopper
  /** A device id, or 'store'. */
  where: string
  steps: Step[]
}

export function planVisits(
  rng: Rng,
  world: World,
  opts: Required<Pick<ShopGeneratorOptions, 'visits'>>,
  mix: ShopperMix,
): Visit[] {
  const visits: Visit[] = []
  let seq = 0
  for (const shopper of world.shoppers) {
    // Visits fall while the shopper is active (from their arrival until they churn).
    const [from, until] = shopper.active
    const at = (): number => Math.floor(from + rng.next() * (until - from))
    const own = shopper.devices.filter((d) => world.devices.get(d)!.owners.length === 1)
    const shared = shopper.devices.filter((d) => world.devices.get(d)!.owners.length > 1)
    // Which devices the shopper ever logs in on: the first one always, the others half the time.
    const logsInOn = new Set(shopper.userId ? own.filter((_, i) => i === 0 || rng.chance(0.5)) : [])
    const never = own.filter((d) => !logsInOn.has(d) && world.devices.get(d)!.kind === 'web')
    const newsletterOn =
      shopper.email && !shopper.userId
        ? (own.find((d) => world.devices.get(d)!.kind === 'web') ?? own[0])
        : shopper.userId && never.length > 0 && rng.chance(mix.newsletterCrossDevice)
          ? never[0]
          : undefined
    const count = rng.int(opts.visits[0], opts.visits[1])
    const mine: Visit[] = []
    for (let v = 0; v < count; v++) {
      const where = rng.pick([...own, ...shared])
      mine.push({ at: at(), seq: seq++, shopper, where, steps: [] })
    }
    // Every device the shopper logs in on gets at least one visit; so does the newsletter device.
    for (const d of [...logsInOn, ...(newsletterOn ? [newsletterOn] : [])]) {
      if (!mine.some((m) => m.where === d)) mine.push({ at: at(), seq: seq++, shopper, where: d, steps: [] })
    }
    mine.sort((x, y) => x.at - y.at || x.seq - y.seq)
    const loggedIn = new Set<string>()
    let newsletterDone = false
    let cardDone = false
    for (const visit of mine) {
      if (logsInOn.has(visit.where) && !loggedIn.has(visit.where)) {
        visit.steps.push('login')
        loggedIn.add(visit.where)
      }
      if (shared.includes(visit.where) && rng.chance(0.8)) visit.steps.push('login')
      if (visit.where === newsletterOn && !newsletterDone) {
        visit.steps.push('newsletter')
        newsletterDone = true
      }
      if (shopper.registersCard && !cardDone && visit.steps.includes('login')) {
        visit.steps.push('registerCard')
        cardDone = true
      }
      if (shared.includes(visit.where) && rng.chance(0.6)) visit.steps.push('logout')
    }
    if (shopper.loyaltyCard) {
      const purchases = rng.int(1, 4)
      for (let p = 0; p < purchases; p++)
        visits.push({ at: at(), seq: seq++, shopper, where: 'store', steps: [] })
    }
    visits.push(...mine)
  }
  return visits.sort((x, y) => x.at - y.at || x.seq - y.seq)
}
