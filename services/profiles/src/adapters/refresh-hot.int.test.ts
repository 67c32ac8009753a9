/**
 * The refresh run's hot copy on real chDB (refresh-run.ts): a run reads the states its store's
 * previous run merged from that run's Memory rows, but only while nobody else can have saved newer
 * ones, and never a state erased since.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openShopWarehouse, pageOf, type ShopWarehouse } from '../../../../tests/helpers/shop.js'
import { createProfileStore, type ProfileStore } from './profile-store.js'

const EPOCH = '1970-01-01 00:00:00.000'

let wh: ShopWarehouse
beforeAll(async () => {
  wh = await openShopWarehouse()
})
afterAll(() => wh?.close())

/** A run of `store` from `mark` (no overlap) up to the warehouse's now, as the refresher makes it. */
const run = async (store: ProfileStore, mark: string) =>
  store.refresh({ mark, from: mark, upTo: await store.now(), cap: 1000, readBack: 10 })
/** The page views in a person's stored profile (undefined: no profile). */
async function pageViews(personId: string): Promise<number | undefined> {
  const [row] = await wh.rows<{ n: number }>(
    'SELECT length(page_view_times) AS n FROM sillage.profiles WHERE person_id = {p:String}',
    { p: personId },
  )
  return row?.n
}
/** Inserted events get an inserted_at after every earlier mark. */
const insert = async (...events: Array<ReturnType<typeof pageOf>>) => {
  await new Promise((r) => setTimeout(r, 5))
  await wh.insert(events)
}
const dropStoredState = (personId: string) =>
  wh.warehouse.client.command({
    query: 'DELETE FROM sillage.profile_folds WHERE person_id = {p:String}',
    query_params: { p: personId },
  })

describe('the hot copy of the merged states', () => {
  it('is what the next run of the same store reads, not RocksDB', async () => {
    const store = createProfileStore(wh.warehouse)
    await insert(pageOf('h-a', 'ha-1'))
    const first = await run(store, EPOCH)
    // Gone from RocksDB: only the hot copy still holds the first page view.
    await dropStoredState('h-a')
    await insert(pageOf('h-a', 'ha-2'))
    await run(store, first.reached)
    expect(await pageViews('h-a')).toBe(2)
  })

  it('is not read when another store ran since (the watermark moved): RocksDB holds newer states', async () => {
    const a = createProfileStore(wh.warehouse)
    const b = createProfileStore(wh.warehouse)
    await insert(pageOf('h-b', 'hb-1'))
    const first = await run(a, EPOCH)
    await insert(pageOf('h-b', 'hb-2'))
    const other = await run(b, first.reached)
    expect(await pageViews('h-b')).toBe(2)
    await insert(pageOf('h-b', 'hb-3'))
    // a's hot copy holds one page view; the run from b's watermark must read b's state (two).
    await run(a, other.reached)
    expect(await pageViews('h-b')).toBe(3)
  })

  it('is still read after an idle run (nothing folded, the watermark moved)', async () => {
    const store = createProfileStore(wh.warehouse)
    await insert(pageOf('h-c', 'hc-1'))
    const first = await run(store, EPOCH)
    const idle = await run(store, first.reached)
    expect(idle.idle).toBe(true)
    await dropStoredState('h-c')
    await insert(pageOf('h-c', 'hc-2'))
    await run(store, idle.reached)
    expect(await pageViews('h-c')).toBe(2)
  })

  it('forgets a removed (erased) person: the next run does not write their old state back', async () => {
    const store = createProfileStore(wh.warehouse)
    await insert(pageOf('h-d', 'hd-1'), pageOf('h-d', 'hd-2'))
    const first = await run(store, EPOCH)
    expect(await pageViews('h-d')).toBe(2)
    await store.remove('h-d', ['anonymous_id:anon-h-d', 'person_id:h-d'])
    expect(await pageViews('h-d')).toBeUndefined()
    await insert(pageOf('h-d', 'hd-3'))
    await run(store, first.reached)
    expect(await pageViews('h-d')).toBe(1)
  })

  it('keeps the rows of the last successful run only', async () => {
    const store = createProfileStore(wh.warehouse)
    await insert(pageOf('h-e', 'he-1'))
    const first = await run(store, EPOCH)
    await insert(pageOf('h-e', 'he-2'))
    await run(store, first.reached)
    const [row] = await wh.rows<{ runs: string; n: string }>(
      `SELECT uniqExact(run_id) AS runs, count() AS n FROM sillage.profile_refresh_merged WHERE person_id = 'h-e'`,
    )
    expect({ runs: Number(row!.runs), n: Number(row!.n) }).toEqual({ runs: 1, n: 1 })
  })
})
