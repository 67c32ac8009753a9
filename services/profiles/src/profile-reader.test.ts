/**
 * The reader and the copy's preload of the recommendations (pure: a store that counts its reads):
 * a lookup asked while the preload runs waits for it and answers from the copy; one whose preload
 * failed reads the store, as before the first scoring run.
 */
import { describe, expect, it, vi } from 'vitest'
import type { ProfileStore } from './adapters/profile-store.js'
import { createProfileCache } from './domain/profile-cache.js'
import type { RecommendationRow } from './domain/rows.js'
import { createProfileReader } from './profile-reader.js'

const ROWS: RecommendationRow[] = [
  { product_id: 'a', as_of: '', bought_together: [['b', 3]], viewed_together: [] },
  { product_id: '*', as_of: '', bought_together: [['c', 9]], viewed_together: [] },
]

function setup() {
  const cache = createProfileCache(10)
  const recommendations = vi.fn((ids: readonly string[]) =>
    Promise.resolve(ROWS.filter((r) => ids.includes(r.product_id))),
  )
  const store = { recommendations } as unknown as ProfileStore
  let settle: (loaded: boolean) => void = () => undefined
  const preload = new Promise<void>((resolve) => {
    settle = (loaded) => {
      if (loaded) cache.setRecommendations(ROWS)
      resolve()
    }
  })
  const reader = createProfileReader({
    store,
    cache,
    suppressions: undefined,
    recommendationLimit: 10,
    recommendationsLoaded: () => preload,
  })
  return { reader, recommendations, settle }
}

describe('recommendations while the copy is preloaded', () => {
  it('wait for the preload, then answer from the copy without reading the store', async () => {
    const { reader, recommendations, settle } = setup()
    const asked = reader.forProduct('a', undefined, 10)
    settle(true)
    expect((await asked).map((r) => r.product_id)).toEqual(['b', 'c'])
    expect(recommendations).not.toHaveBeenCalled()
  })

  it('read the store when the preload failed (the copy has none until the first scoring run)', async () => {
    const { reader, recommendations, settle } = setup()
    const asked = reader.forProduct('a', undefined, 10)
    settle(false)
    expect((await asked).map((r) => r.product_id)).toEqual(['b', 'c'])
    expect(recommendations).toHaveBeenCalledTimes(1)
  })
})
