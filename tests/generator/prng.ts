/**
 * A small seeded PRNG (sfc32, seeded through splitmix32): the same seed gives the same stream on
 * every platform, which is what makes generated scenarios reproducible.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number
  /** Integer in [min, max], both included. */
  int(min: number, max: number): number
  chance(p: number): boolean
  pick<T>(items: readonly T[]): T
  /** Picks with the given weights (any positive numbers). */
  weighted<T>(items: readonly (readonly [T, number])[]): T
  /** `n` lower-case hex characters. */
  hex(n: number): string
  shuffle<T>(items: T[]): T[]
  /** An independent stream derived from this stream's seed and `label`, whatever was drawn before. */
  fork(label: string): Rng
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
}

function hashLabel(label: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193)
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
    c = ((c << 21) | (c >>> 11)) >>> 0
    c = (c + t) >>> 0
    return t
  }
  for (let i = 0; i < 12; i++) u32()

  const rng: Rng = {
    next: () => u32() / 4294967296,
    int: (min, max) => min + Math.floor(rng.next() * (max - min + 1)),
    chance: (p) => rng.next() < p,
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick from an empty list')
      return items[Math.floor(rng.next() * items.length)]!
    },
    weighted: (items) => {
      const total = items.reduce((s, [, w]) => s + w, 0)
      let x = rng.next() * total
      for (const [item, w] of items) {
        x -= w
        if (x < 0) return item
      }
      return items[items.length - 1]![0]
    },
    hex: (n) => {
      let s = ''
      while (s.length < n) s += u32().toString(16).padStart(8, '0')
      return s.slice(0, n)
    },
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1))
        ;[items[i], items[j]] = [items[j]!, items[i]!]
      }
      return items
    },
    fork: (label) => createRng(Math.imul(seed ^ 0x5bd1e995, 0x01000193) ^ hashLabel(label)),
  }
  return rng
}
