import type { Shop } from './simulate.js'
import { identity, round2, type PersonIdOf } from './truth-common.js'

// rfm_at and segment_transitions's ground truth.

export interface RfmTruth {
  personId: string
  lastOrderAt: number
  frequency: number
  monetary: number
  r: number
  f: number
  m: number
  fm: number
  segment: string
}

/** ntile(n) over `count` rows: the 1-based bucket of the row at `index` (SQL's definition). */
export function ntile(n: number, count: number, index: number): number {
  const small = Math.floor(count / n)
  const large = count % n
  const boundary = large * (small + 1)
  return index < boundary
    ? Math.floor(index / (small + 1)) + 1
    : large + Math.floor((index - boundary) / small) + 1
}

/** The documented score → segment mapping (0024_rfm.sql, docs/analysts.md). */
export function segmentOf(r: number, fm: number): string {
  if (r >= 4 && fm >= 4) return 'champions'
  if (r >= 3 && fm >= 3) return 'loyal'
  if (r >= 4) return 'promising'
  if (r === 3) return 'need_attention'
  if (fm >= 3) return 'at_risk'
  if (r === 2) return 'hibernating'
  return 'dormant'
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** rfm_at(as_of): people with an order before `asOf`, scored by ntile(5) with person_id tie-breaks. */
export function rfmAt(shop: Shop, asOf: number, personIdOf: PersonIdOf = identity): Map<string, RfmTruth> {
  const agg = new Map<string, { last: number; n: number; revenue: number }>()
  for (const o of shop.truth.orders) {
    if (o.at >= asOf) continue
    const id = personIdOf(o.personKey)
    const a = agg.get(id) ?? { last: 0, n: 0, revenue: 0 }
    a.last = Math.max(a.last, o.at)
    a.n++
    a.revenue += o.revenue
    agg.set(id, a)
  }
  const people = [...agg].map(([personId, a]) => ({
    personId,
    lastOrderAt: a.last,
    frequency: a.n,
    monetary: round2(a.revenue),
  }))
  const rank = (sorted: typeof people) =>
    new Map(sorted.map((p, i) => [p.personId, ntile(5, sorted.length, i)]))
  const r = rank([...people].sort((a, b) => a.lastOrderAt - b.lastOrderAt || cmp(a.personId, b.personId)))
  const f = rank(
    [...people].sort(
      (a, b) => a.frequency - b.frequency || a.monetary - b.monetary || cmp(a.personId, b.personId),
    ),
  )
  const m = rank([...people].sort((a, b) => a.monetary - b.monetary || cmp(a.personId, b.personId)))
  const out = new Map<string, RfmTruth>()
  for (const p of people) {
    const rs = r.get(p.personId) ?? 0
    const fs = f.get(p.personId) ?? 0
    const ms = m.get(p.personId) ?? 0
    const fm = Math.floor((fs + ms + 1) / 2)
    out.set(p.personId, { ...p, r: rs, f: fs, m: ms, fm, segment: segmentOf(rs, fm) })
  }
  return out
}

/** segment_transitions(period_a, period_b): 'from→to' → people; '(new)' when absent at A. */
export function segmentTransitions(shop: Shop, a: number, b: number, personIdOf: PersonIdOf = identity) {
  const before = rfmAt(shop, a, personIdOf)
  const after = rfmAt(shop, b, personIdOf)
  const counts = new Map<string, number>()
  for (const [id, p] of after) {
    const key = `${before.get(id)?.segment ?? '(new)'}→${p.segment}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}
