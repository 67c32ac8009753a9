/**
 * A refresh run's read-back on real chDB (profile-store.ts): the run's profiles come back in
 * pages (by a hash of the person id) for the reader's copy, each profile once, none missing, and
 * never more than the copy takes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openShopWarehouse, pageOf, type ShopWarehouse } from '../../../../tests/helpers/shop.js'
import { createProfileStore } from './profile-store.js'

const EPOCH = '1970-01-01 00:00:00.000'
/** More persons than two read-back pages hold. */
const PERSONS = 1_200

let wh: ShopWarehouse
beforeAll(async () => {
  wh = await openShopWarehouse()
})
afterAll(() => wh?.close())

const people = (prefix: string) => Array.from({ length: PERSONS }, (_, i) => `${prefix}-${i}`)

describe("a refresh run's read-back", () => {
  it('reads back every profile of the run once, over several pages', async () => {
    const store = createProfileStore(wh.warehouse)
    const ids = people('rb')
    await wh.insert(ids.map((p) => pageOf(p, `${p}-m`)))
    const result = await store.refresh({
      mark: EPOCH,
      from: EPOCH,
      upTo: await store.now(),
      cap: 100_000,
      readBack: 10_000,
    })
    expect(result.persons.length).toBe(PERSONS)
    const back = result.profiles.map((p) => p.person_id)
    expect(back.length).toBe(PERSONS)
    expect(new Set(back)).toEqual(new Set(ids))
    const one = result.profiles.find((p) => p.person_id === 'rb-7')!
    expect(one.keys).toContain('anonymous_id:anon-rb-7')
    expect(JSON.parse(one.text)).toMatchObject({ person_id: 'rb-7' })
  })

  it('reads back at most as many as the copy takes, each once', async () => {
    const store = createProfileStore(wh.warehouse)
    const mark = await store.now()
    const ids = people('rc')
    await new Promise((r) => setTimeout(r, 5))
    await wh.insert(ids.map((p) => pageOf(p, `${p}-m`)))
    const result = await store.refresh({
      mark,
      from: mark,
      upTo: await store.now(),
      cap: 100_000,
      readBack: 700,
    })
    expect(result.persons.length).toBe(PERSONS)
    const back = result.profiles.map((p) => p.person_id)
    expect(back.length).toBe(700)
    expect(new Set(back).size).toBe(700)
    expect(back.every((id) => ids.includes(id))).toBe(true)
  })
})
