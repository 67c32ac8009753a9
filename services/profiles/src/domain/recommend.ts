import type { RecommendationRow } from './rows.js'

/** Why a product is recommended. */
export type RecommendationReason = 'bought_together' | 'viewed_together' | 'popular'

export interface Recommendation {
  product_id: string
  reason: RecommendationReason
  /** Orders (bought together, popular) or visits (viewed together) behind it. */
  score: number
}

/**
 * The row of popular products in product_recommendations: reserved, never a product (the scorer
 * leaves a product sent with this id out, and a seed with it is an unknown product).
 */
export const POPULAR_KEY = '*'

/** A product id a caller may ask about: not empty or blank, at most 256 characters. */
export const isProductId = (id: unknown): id is string =>
  typeof id === 'string' && id.trim() !== '' && id.length <= 256

/**
 * The number of products a `limit` query parameter asks for: whole digits, clamped to 1…`max`;
 * anything else (absent, `abc`, `2.7`, repeated) is `fallback` (clamped the same way). Pure.
 */
export function limitOf(raw: unknown, fallback: number, max: number): number {
  const n = typeof raw === 'string' && /^\d{1,6}$/.test(raw) ? Number(raw) : fallback
  return Math.min(Math.max(n, 1), max)
}

const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v))

/**
 * Ranks products for a set of seed products: summed "bought together" counts first, then summed
 * "viewed together" counts, then popularity (the cold start), ties by product id. Products in
 * `exclude` (the person's purchases, the seeds themselves) never appear. A seed that is the
 * reserved POPULAR_KEY has no row of its own (popularity is only ever the cold start). Pure.
 */
export function rankRecommendations(
  seeds: readonly string[],
  rows: readonly RecommendationRow[],
  exclude: ReadonlySet<string>,
  limit: number,
): Recommendation[] {
  const byProduct = new Map(rows.map((r) => [r.product_id, r]))
  const skip = new Set([...exclude, ...seeds])
  const tally = (pick: (r: RecommendationRow) => Array<[string, number | string]>) => {
    const scores = new Map<string, number>()
    for (const seed of seeds) {
      const row = seed === POPULAR_KEY ? undefined : byProduct.get(seed)
      for (const [product, n] of pick(row ?? emptyRow(seed))) {
        if (!skip.has(product)) scores.set(product, (scores.get(product) ?? 0) + num(n))
      }
    }
    return [...scores.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  }
  const out: Recommendation[] = []
  const taken = new Set<string>()
  const push = (product: string, reason: RecommendationReason, score: number) => {
    if (out.length >= limit || taken.has(product) || skip.has(product)) return
    taken.add(product)
    out.push({ product_id: product, reason, score })
  }
  for (const [p, n] of tally((r) => r.bought_together)) push(p, 'bought_together', n)
  for (const [p, n] of tally((r) => r.viewed_together)) push(p, 'viewed_together', n)
  for (const [p, n] of byProduct.get(POPULAR_KEY)?.bought_together ?? []) push(p, 'popular', num(n))
  return out
}

function emptyRow(product: string): RecommendationRow {
  return { product_id: product, as_of: '', bought_together: [], viewed_together: [] }
}
