import { describe, expect, it } from 'vitest'
import { createOverviewCache } from './overview-cache.js'

/** A clock the test moves, and a load that counts its calls. */
function setup(ttlMs: number, maxEntries?: number) {
  let t = 1_000_000
  const cache = createOverviewCache<{ n: number }>({
    ttlMs,
    now: () => t,
    ...(maxEntries !== undefined && { maxEntries }),
  })
  let loads = 0
  const load = async () => ({ n: ++loads })
  return { cache, load, loads: () => loads, tick: (ms: number) => (t += ms), now: () => t }
}

describe('the overview cache', () => {
  it('serves the same value, stamped with its read time, until the time to live has passed', async () => {
    const { cache, load, loads, tick, now } = setup(30_000)
    const first = await cache.get('view', load)
    const at = now()
    tick(29_999)
    const again = await cache.get('view', load)
    expect(again.value).toBe(first.value)
    expect(again.at).toBe(first.at)
    expect(loads()).toBe(1)
    tick(1)
    const fresh = await cache.get('view', load)
    expect(fresh.value).toEqual({ n: 2 })
    expect(fresh.at).toBe(at + 30_000)
  })

  it('keys views apart; requests for a view being read share that read', async () => {
    const { cache, load, loads } = setup(30_000)
    const [a, b, c] = await Promise.all([cache.get('a', load), cache.get('a', load), cache.get('b', load)])
    expect(a.value).toBe(b.value)
    expect(c.value).not.toBe(a.value)
    expect(loads()).toBe(2)
  })

  it('forgets a read that failed: the next request reads again', async () => {
    const { cache, load, loads } = setup(30_000)
    await expect(cache.get('view', () => Promise.reject(new Error('warehouse down')))).rejects.toThrow(
      'warehouse down',
    )
    expect((await cache.get('view', load)).value).toEqual({ n: 1 })
    expect(loads()).toBe(1)
  })

  it('keeps at most maxEntries views, dropping the oldest read', async () => {
    const { cache, load, loads } = setup(30_000, 2)
    await cache.get('a', load)
    await cache.get('b', load)
    await cache.get('c', load)
    expect(cache.size).toBe(2)
    await cache.get('c', load)
    await cache.get('b', load)
    expect(loads()).toBe(3)
    await cache.get('a', load)
    expect(loads()).toBe(4)
  })

  it('with a time to live of 0 reads every time and keeps nothing', async () => {
    const { cache, load, loads } = setup(0)
    await cache.get('view', load)
    await cache.get('view', load)
    expect(loads()).toBe(2)
    expect(cache.size).toBe(0)
  })

  it('serves nothing kept under another stamp (an erasure ended): reads again and drops the rest', async () => {
    const { cache, load, loads } = setup(30_000)
    await cache.get('a', load, '0')
    await cache.get('b', load, '0')
    expect((await cache.get('a', load, '0')).value).toEqual({ n: 1 })
    expect((await cache.get('a', load, '1')).value).toEqual({ n: 3 })
    expect(cache.size).toBe(1)
    await cache.get('b', load, '1')
    expect(loads()).toBe(4)
    // A request that read the older stamp before the erasure ended is not served the newer value.
    expect((await cache.get('a', load, '0')).value).toEqual({ n: 5 })
  })

  it('does not keep a value its keep() refuses (an empty view): the next request reads again', async () => {
    let loads = 0
    const cache = createOverviewCache<{ rows: number }>({ ttlMs: 30_000, keep: (v) => v.rows > 0 })
    const empty = async () => ({ rows: (loads++, 0) })
    await cache.get('view', empty)
    await cache.get('view', empty)
    expect(loads).toBe(2)
    const full = async () => ({ rows: (loads++, 5) })
    await cache.get('view', full)
    await cache.get('view', full)
    expect(loads).toBe(3)
  })
})
