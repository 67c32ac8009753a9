/**
 * The identity scenarios' PRNG: the testkit's (packages/testkit/src/prng.ts, sfc32 seeded through
 * splitmix32, one implementation for every generator), plus `shuffle`, and `fork(label)` as an
 * independent stream derived from this stream's seed and the label alone, whatever was drawn
 * before (the world, visits and playback layers do not shift each other).
 */
import { createRng as createBaseRng, type Rng as BaseRng } from '../prng.js'

export interface Rng extends Omit<BaseRng, 'fork'> {
  shuffle<T>(items: T[]): T[]
  fork(label: string): Rng
}

function hashLabel(label: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193)
  return h >>> 0
}

export function createRng(seed: number): Rng {
  const base = createBaseRng(seed)
  const rng: Rng = {
    ...base,
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(base.next() * (i + 1))
        ;[items[i], items[j]] = [items[j]!, items[i]!]
      }
      return items
    },
    fork: (label) => createRng(Math.imul(seed ^ 0x5bd1e995, 0x01000193) ^ hashLabel(label)),
  }
  return rng
}
