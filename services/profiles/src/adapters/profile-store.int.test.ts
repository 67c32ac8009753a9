/**
 * The refresh run on real chDB when nothing is new: it is skipped (no fold step runs), unless the
 * overlap still holds events or a merge was recorded since `from`, which a run must fold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openShopWarehouse, pageOf, type ShopWarehouse } from '../../../../tests/helpers/shop.js'
import { createProfileStore, type ProfileStore, type RefreshRun } from './profile-store.js'

const EPOCH = '1970-01-01 00:00:00.000'

let wh: ShopWarehouse
let store: ProfileStore
/** A run as the refresher makes it: from the mark minus `overlapMs`, up to the warehouse's now. */
async function run(mark: string, overlapMs: number): Promise<Awaited<ReturnType<ProfileStore['refresh']>>> {
  const from = mark === EPOCH ? EPOCH : await shift(mark, -overlapMs)
  const args: RefreshRun = { mark, from, upTo: await store.now(), cap: 1000, readBack: 10 }
  return store.refresh(args)
}
const shift = async (at: string, ms: number) =>
  (
    await wh.rows<{ t: string }>(
      `SELECT toString(toDateTime64({at:DateTime64(3)}, 3, 'UTC') + toIntervalMillisecond({ms:Int64})) AS t`,
      { at, ms },
    )
  )[0]!.t

beforeAll(async () => {
  wh = await openShopWarehouse()
  store = createProfileStore(wh.warehouse)
  await wh.insert([pageOf('p-a', 'm1')])
})
afterAll(() => wh?.close())

describe('a refresh run with nothing new', () => {
  it('folds the new event, re-reads it while it is in the overlap, then skips', async () => {
    const first = await run(EPOCH, 2000)
    expect(first).toMatchObject({ idle: false, persons: ['p-a'] })
    expect(Object.keys(first.ms)).toContain('events')

    // The event is before the mark but inside the overlap: read again (idempotently), not skipped.
    const overlapping = await run(first.reached, 60_000)
    expect(overlapping).toMatchObject({ idle: false, persons: ['p-a'] })

    // Past the overlap and no merge: nothing to fold, no step runs, the watermark still moves.
    const idle = await run(overlapping.reached, 0)
    expect(idle).toMatchObject({ idle: true, capped: false, persons: [], profiles: [], merged: [], ms: {} })
    expect(idle.reached >= overlapping.reached).toBe(true)
    const [profile] = await wh.rows<{ n: string }>(
      `SELECT count() AS n FROM sillage.profiles WHERE person_id = 'p-a'`,
    )
    expect(Number(profile!.n)).toBe(1)
  })

  it('is not skipped for a merge recorded since the mark, with no new event', async () => {
    const before = await run(EPOCH, 0)
    expect(before.idle).toBe(false)
    expect((await run(before.reached, 0)).idle).toBe(true)
    const mark = await store.now()
    await new Promise((r) => setTimeout(r, 5)) // the merge's inserted_at is after the mark
    await wh.warehouse.client.insert({
      table: 'sillage.person_overrides',
      values: [{ old_person_id: 'p-a', person_id: 'p-b', version: 1, created_at: mark }],
      format: 'JSONEachRow',
    })
    const merged = await run(mark, 0)
    expect(merged.idle).toBe(false)
    expect(merged.merged).toEqual([['p-a', 'p-b']])
    expect(merged.persons).toEqual(['p-b'])
  })
})
