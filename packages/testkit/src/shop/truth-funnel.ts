import type { Shop } from './simulate.js'
import { DAY, identity, type PersonIdOf } from './truth-common.js'

// The funnel examples' and the propensity model's ground truth.

/**
 * windowFunnel(window)(t, c1, …, cn) as ClickHouse defines it (default mode): the longest chain
 * c1 → c2 → … whose events follow in time, each within `window` of the chain's c1. `events` are
 * (time, step index or -1), time in the window's unit.
 */
export function windowFunnel(
  window: number,
  steps: number,
  events: ReadonlyArray<readonly [number, number]>,
): number {
  const sorted = [...events].sort((a, b) => a[0] - b[0])
  const starts: Array<number | undefined> = new Array<number | undefined>(steps).fill(undefined)
  for (const [t, step] of sorted) {
    if (step === 0) starts[0] = t
    else if (step > 0) {
      const first = starts[step - 1]
      if (first !== undefined && t <= first + window) {
        starts[step] = first
        if (step === steps - 1) return steps
      }
    }
  }
  for (let i = steps - 1; i >= 0; i--) if (starts[i] !== undefined) return i + 1
  return 0
}

/** Per person with a track event since `since`, the funnel level reached (time in seconds). */
export function funnelLevels(
  shop: Shop,
  steps: readonly string[],
  windowSeconds: number,
  opts: { since?: number; personIdOf?: PersonIdOf } = {},
): Map<string, number> {
  const personIdOf = opts.personIdOf ?? identity
  const byPerson = new Map<string, Array<[number, number]>>()
  for (const g of shop.events) {
    if (g.event.type !== 'track' || g.at < (opts.since ?? -Infinity)) continue
    const step = steps.indexOf(g.event.event ?? '')
    const list = byPerson.get(personIdOf(g.personKey)) ?? []
    list.push([Math.floor(g.at / 1000), step])
    byPerson.set(personIdOf(g.personKey), list)
  }
  const out = new Map<string, number>()
  for (const [id, list] of byPerson) out.set(id, windowFunnel(windowSeconds, steps.length, list))
  return out
}

// --------------------------------------------------------------------------------- propensity

/** Whether each person ordered in [cutoff, cutoff + horizon days). */
export function purchasedWithin(
  shop: Shop,
  cutoff: number,
  horizonDays: number,
  personIdOf: PersonIdOf = identity,
) {
  const buyers = new Set<string>()
  for (const o of shop.truth.orders) {
    if (o.at >= cutoff && o.at < cutoff + horizonDays * DAY) buyers.add(personIdOf(o.personKey))
  }
  return buyers
}

/** ROC AUC (Mann–Whitney; ties count one half). */
export function auc(scores: readonly number[], labels: readonly number[]): number {
  const pairs = scores.map((s, i) => [s, labels[i] ?? 0] as const).sort((a, b) => a[0] - b[0])
  let rankSumPositive = 0
  let positives = 0
  for (let i = 0; i < pairs.length;) {
    let j = i
    while (j < pairs.length && pairs[j]![0] === pairs[i]![0]) j++
    const avgRank = (i + 1 + j) / 2
    for (let k = i; k < j; k++) {
      if (pairs[k]![1] === 1) {
        rankSumPositive += avgRank
        positives++
      }
    }
    i = j
  }
  const negatives = pairs.length - positives
  if (positives === 0 || negatives === 0) return NaN
  return (rankSumPositive - (positives * (positives + 1)) / 2) / (positives * negatives)
}
