/**
 * A seeded pseudo-random generator (sfc32, seeded through splitmix32), so that a generator run is
 * a pure function of its seed. `fork(label)` derives an independent stream, so adding a shopper or
 * an event type does not shift the draws of the others.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number
  /** Integer in [min, max], both included. */
  int(min: number, max: number): number
  /** Uniform in [min, max). */
  between(min: number, max: number): number
  chance(p: number): boolean
  pick<T>(items: readonly T[]): T
  /** Picks by weight; weights need not sum to 1. */
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T
  /** Standard normal (Box–Muller). */
  normal(): number
  /** Exponential with the given mean. */
  exponential(mean: number): number
  /** Number of failures before the first success, success probability p. */
  geometric(p: number): number
  /** A hex string of n characters (ids). */
  hex(n: number): string
  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[]
  fork(label: string | number): Rng
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
}

/** FNV-1a over a string, to turn fork labels into seeds. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

export function createRng(seed: number): Rng {
  const init = splitmix32(seed)
  let a = init()
  let b = init()
  let c = init()
  let d = init()
  const u32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) >>> 0
    return t
  }
  for (let i = 0; i < 12; i++) u32()
  const next = () => u32() / 4294967296
  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    between: (min, max) => min + next() * (max - min),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list')
      return items[Math.floor(next() * items.length)] as (typeof items)[number]
    },
    weighted: (items) => {
      const total = items.reduce((s, [, w]) => s + w, 0)
      let r = next() * total
      for (const [item, w] of items) {
        r -= w
        if (r < 0) return item
      }
      const last = items.at(-1)
      if (!last) throw new Error('weighted pick from an empty list')
      return last[0]
    },
    normal: () => {
      const u = 1 - next()
      const v = next()
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
    },
    exponential: (mean) => -Math.log(1 - next()) * mean,
    geometric: (p) => Math.floor(Math.log(1 - next()) / Math.log(1 - p)),
    hex: (n) => {
      let s = ''
      while (s.length < n) s += u32().toString(16).padStart(8, '0')
      return s.slice(0, n)
    },
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1))
        ;[items[i], items[j]] = [items[j]!, items[i]!]
      }
      return items
    },
    fork: (label) => createRng((u32() ^ hashLabel(String(label))) >>> 0),
  }
  return rng
}

/** A stream derived from (seed, label) alone, independent of any other draw. */
export function rngFor(seed: number, label: string): Rng {
  return createRng((hashLabel(label) ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0)
}
