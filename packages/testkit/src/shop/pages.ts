import type { Rng } from '../prng.js'
import type { Product } from './catalogue.js'
import type { CartLine, TruthSession } from './types.js'

/** The shop's web pages, traffic sources and shopping hours: what a session looks like from outside. */

export const SHOP_URL = 'https://shop.sillage.example'
export const MINUTE = 60_000
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR
export const round2 = (x: number) => Math.round(x * 100) / 100

export interface Page {
  path: string
  name: string
  title: string
  product?: Product
}

export interface TrafficSource {
  referrer: string
  utm?: { source: string; medium: string; campaign: string }
}

export function pickTrafficSource(rng: Rng, at: number): TrafficSource {
  const month = new Date(at).toISOString().slice(0, 7).replace('-', '_')
  return rng.weighted<TrafficSource>([
    [{ referrer: '' }, 30],
    [{ referrer: 'https://www.google.com/' }, 25],
    [{ referrer: 'https://l.instagram.com/' }, 6],
    [{ referrer: '', utm: { source: 'newsletter', medium: 'email', campaign: `nl_${month}` } }, 16],
    [
      {
        referrer: 'https://l.facebook.com/',
        utm: {
          source: 'facebook',
          medium: 'paid_social',
          campaign: rng.pick(['retargeting', 'prospecting']),
        },
      },
      12,
    ],
    [
      {
        referrer: 'https://www.awin1.com/',
        utm: { source: 'awin', medium: 'affiliate', campaign: 'cashback' },
      },
      6,
    ],
  ])
}

/** What the sessions model calls the session's source. */
export function sourceOf(referrer: string, utmSource: string): string {
  if (utmSource) return utmSource
  if (!referrer) return '(direct)'
  const host = new URL(referrer).hostname.replace(/^www\./, '')
  return host === new URL(SHOP_URL).hostname ? '(direct)' : host
}

/** Moves `t` into the day's shopping hours, 07:00–21:00 UTC (the next day's if past them). */
export function placeInDay(rng: Rng, t: number): number {
  const day = Math.floor(t / DAY) * DAY
  const hour = (t - day) / HOUR
  if (hour >= 7 && hour < 21) return Math.round(t)
  const next = hour < 7 ? day : day + DAY
  return Math.round(next + 7 * HOUR + rng.next() * 14 * HOUR)
}

export function campaignQuery(s: TruthSession): string {
  const q = new URLSearchParams({
    utm_source: s.utmSource,
    utm_medium: s.utmMedium,
    utm_campaign: s.utmCampaign,
  })
  return `?${q.toString()}`
}

export function productPage(p: Product): Page {
  return { path: `/p/${p.product_id}`, name: 'Product', title: p.name, product: p }
}

export function categoryPage(category: string): Page {
  return { path: `/c/${category.toLowerCase()}`, name: 'Category', title: category }
}

export const CHECKOUT_PAGE: Readonly<Page> = { path: '/checkout', name: 'Checkout', title: 'Paiement' }
export const CONFIRMATION_PAGE: Readonly<Page> = {
  path: '/checkout/confirmation',
  name: 'Order Confirmation',
  title: 'Merci',
}

export function productProps(p: Product): Omit<CartLine, 'quantity'> {
  return {
    product_id: p.product_id,
    sku: p.sku,
    name: p.name,
    category: p.category,
    brand: p.brand,
    price: p.price,
  }
}
