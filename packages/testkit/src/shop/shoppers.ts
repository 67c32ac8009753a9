import { rngFor, type Rng } from '../prng.js'
import {
  addIdentityTraits,
  DEFAULT_IDENTITY_MIX,
  type IdentityMix,
  type IdentityTraits,
} from './identity-traits.js'
import type { ParsedUa, SourceName } from './types.js'

/**
 * Shoppers and their devices: the identity side of the generator. Each shopper is one person in
 * the ground truth (`key`); a member has an account (userId, email, maybe a phone and a loyalty
 * card), a guest only browses from one device under an anonymous id. `createShoppers` is a pure
 * function of (seed, count, start, end). The identity scenario asks for the identity layer
 * (`layers.identity`: identity-traits.ts), drawn from streams of its own so that the traits
 * below, and the analytics shop built on them, are the same with or without it.
 */

export type DeviceKind = 'desktop' | 'mobile' | 'app'

export interface Device {
  kind: DeviceKind
  /** The browser cookie or app install id (Segment anonymousId). */
  anonymousId: string
  /** The app's device id (context.device.id). */
  deviceId?: string
  source: SourceName
  userAgent: string
  /** What the collector's parser makes of `userAgent` (Bowser). */
  ua: ParsedUa
}

export interface Shopper {
  index: number
  /** The ground-truth person this shopper is. */
  key: string
  member: boolean
  userId?: string
  /** Members always; guests give theirs at checkout. */
  email: string
  phone?: string
  loyaltyCard?: string
  firstName: string
  city: string
  country: string
  devices: Device[]
  /** Latent taste for the shop: drives visits and purchases, the propensity model's signal. */
  affinity: number
  visitsPerWeek: number
  addProbability: number
  buyProbability: number
  /** Share of a member's purchases made in a shop (loyalty card holders). */
  storeShare: number
  activeFrom: number
  /** After it, the shopper no longer comes: churned. */
  activeUntil: number
  /** Consent granted at the first visit. */
  consent: { categories: string[]; policyVersion: string }
  /** Changes consent once, at the first session on or after this instant (or never). */
  consentChangeAt?: number
  /** The identity layer, when asked for (`layers.identity`). */
  identity?: IdentityTraits
}

export interface ShopperLayers {
  /** Adds `identity` to every shopper: `true` for the default mix, or a partial mix. */
  identity?: true | Partial<IdentityMix>
}

const PROFILES: Record<DeviceKind, ReadonlyArray<readonly [string, ParsedUa]>> = {
  desktop: [
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
      { browser: 'Chrome', browserVersion: '126.0.0.0', os: 'Windows', deviceType: 'desktop', bot: false },
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
      { browser: 'Safari', browserVersion: '17.5', os: 'macOS', deviceType: 'desktop', bot: false },
    ],
  ],
  mobile: [
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      { browser: 'Safari', browserVersion: '17.5', os: 'iOS', deviceType: 'mobile', bot: false },
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
      { browser: 'Chrome', browserVersion: '126.0.0.0', os: 'Android', deviceType: 'mobile', bot: false },
    ],
  ],
  app: [
    [
      'SillageShop/3.4.1 (iPhone; iOS 17.5; Scale/3.00)',
      { browser: 'SillageShop', browserVersion: '3.4.1', os: 'iOS', deviceType: 'mobile', bot: false },
    ],
  ],
}

const FIRST_NAMES = [
  'Camille',
  'Léa',
  'Manon',
  'Inès',
  'Chloé',
  'Hugo',
  'Louis',
  'Jules',
  'Nora',
  'Adam',
  'Zoé',
]
const CITIES: ReadonlyArray<readonly [string, string]> = [
  ['Paris', 'FR'],
  ['Lyon', 'FR'],
  ['Marseille', 'FR'],
  ['Bordeaux', 'FR'],
  ['Lille', 'FR'],
  ['Bruxelles', 'BE'],
  ['Genève', 'CH'],
]

const DAY = 86_400_000
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x))

function createDevice(rng: Rng, kind: DeviceKind, id: string): Device {
  const [userAgent, ua] = rng.pick(PROFILES[kind])
  return {
    kind,
    anonymousId: `anon-${id}-${rng.hex(8)}`,
    ...(kind === 'app' ? { deviceId: `dev-${rng.hex(12)}` } : {}),
    source: kind === 'app' ? 'ios' : 'web',
    userAgent,
    ua,
  }
}

/** `count` shoppers active between `start` and `end` (epoch ms). Pure in (seed, count, start, end). */
export function createShoppers(
  seed: number,
  count: number,
  start: number,
  end: number,
  layers: ShopperLayers = {},
): Shopper[] {
  const shoppers: Shopper[] = []
  for (let index = 0; index < count; index++) {
    const rng = rngFor(seed, `shopper:${index}`)
    const id = String(index).padStart(4, '0')
    const member = rng.chance(0.7)
    const affinity = rng.normal()
    const devices: Device[] = [createDevice(rng, rng.chance(0.55) ? 'desktop' : 'mobile', `${id}-1`)]
    if (member && rng.chance(0.35)) devices.push(createDevice(rng, 'mobile', `${id}-2`))
    if (member && rng.chance(0.25)) devices.push(createDevice(rng, 'app', `${id}-3`))
    const [city, country] = rng.pick(CITIES)
    // 40% were already customers when the period starts; the others arrive along the way.
    const activeFrom = rng.chance(0.4) ? start : start + rng.next() * (end - start) * 0.85
    // A third churn at some point after they arrived.
    const activeUntil = rng.chance(0.35) ? activeFrom + rng.next() * (end - activeFrom) : end
    const categories = rng.chance(0.55) ? ['necessary', 'analytics', 'marketing'] : ['necessary', 'analytics']
    shoppers.push({
      index,
      key: `shopper-${id}`,
      member,
      ...(member ? { userId: `u-${id}` } : {}),
      email: `shopper${id}@example.com`,
      ...(member && rng.chance(0.4) ? { phone: `+3361234${id}` } : {}),
      ...(member && rng.chance(0.3) ? { loyaltyCard: `LC-${id}` } : {}),
      firstName: rng.pick(FIRST_NAMES),
      city,
      country,
      devices,
      affinity,
      visitsPerWeek: clamp(0.3 * Math.exp(0.9 * affinity), 0.03, 4),
      addProbability: clamp(0.3 + 0.2 * sigmoid(affinity), 0.05, 0.9),
      buyProbability: clamp(sigmoid(-0.3 + 1.3 * affinity), 0.05, 0.95),
      storeShare: 0,
      activeFrom,
      activeUntil,
      consent: { categories, policyVersion: '2025-01' },
      ...(rng.chance(0.12) ? { consentChangeAt: activeFrom + rng.next() * 60 * DAY } : {}),
    })
    const last = shoppers.at(-1)
    if (last?.loyaltyCard) last.storeShare = 0.25
  }
  if (layers.identity) {
    const mix = layers.identity === true ? {} : layers.identity
    addIdentityTraits(seed, shoppers, { ...DEFAULT_IDENTITY_MIX, ...mix })
  }
  return shoppers
}
