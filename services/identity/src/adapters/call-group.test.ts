import { afterEach, describe, expect, it, vi } from 'vitest'
import { createCallGroup } from './call-group.js'
import { groupToken } from './isolating-insert.js'

/** A grouped call that records its inputs and answers when told to. */
function recorder(options: { maxWaitMs?: number; maxWeight?: number } = {}) {
  const calls: string[][] = []
  const pending: Array<{ resolve: () => void; reject: (err: unknown) => void }> = []
  const served: number[] = []
  const group = createCallGroup(
    (inputs: readonly string[]) => {
      calls.push([...inputs])
      return new Promise<string>((resolve, reject) => {
        pending.push({ resolve: () => resolve(inputs.join('+')), reject })
      })
    },
    {
      maxWaitMs: options.maxWaitMs ?? 100,
      maxWeight: options.maxWeight ?? 1000,
      weight: (input) => input.length,
      onCall: (n) => served.push(n),
    },
  )
  return { group, calls, pending, served }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

afterEach(() => {
  vi.useRealTimers()
})

describe('call group', () => {
  it('makes one call for the batches that entered together, once the last one calls', async () => {
    const { group, calls, pending, served } = recorder()
    const [a, b, c] = [group.enter(), group.enter(), group.enter()]
    const answers = [a.call('a'), b.call('b')]
    await tick()
    expect(calls).toEqual([])
    answers.push(c.call('c'))
    await tick()
    expect(calls).toEqual([['a', 'b', 'c']])
    pending[0]!.resolve()
    expect(await Promise.all(answers)).toEqual(['a+b+c', 'a+b+c', 'a+b+c'])
    expect(served).toEqual([3])
  })

  it('goes without a batch that leaves without calling', async () => {
    const { group, calls } = recorder()
    const [a, b] = [group.enter(), group.enter()]
    void a.call('a')
    await tick()
    expect(calls).toEqual([])
    b.leave()
    await tick()
    expect(calls).toEqual([['a']])
  })

  it('waits at most maxWaitMs for a batch still on its way', async () => {
    vi.useFakeTimers()
    const { group, calls } = recorder({ maxWaitMs: 100 })
    const [a] = [group.enter(), group.enter()]
    void a.call('a')
    await vi.advanceTimersByTimeAsync(99)
    expect(calls).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(calls).toEqual([['a']])
  })

  it('waits for as many batches as the last call served, at most maxWaitMs, then expects fewer', async () => {
    vi.useFakeTimers()
    const { group, calls, pending } = recorder({ maxWaitMs: 100 })
    const [a, b, c] = [group.enter(), group.enter(), group.enter()]
    void Promise.all([a.call('a'), b.call('b'), c.call('c')])
    await vi.advanceTimersByTimeAsync(0)
    pending[0]!.resolve()
    // Partitions whose waits ended a few milliseconds apart: the first is not sent alone.
    void group.enter().call('d')
    await vi.advanceTimersByTimeAsync(5)
    expect(calls).toEqual([['a', 'b', 'c']])
    void group.enter().call('e')
    void group.enter().call('f')
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e', 'f'],
    ])
    pending[1]!.resolve()
    // One partition has nothing more to send: the other two wait 100 ms, then go, and are expected.
    void group.enter().call('g')
    void group.enter().call('h')
    await vi.advanceTimersByTimeAsync(99)
    expect(calls).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(calls.at(-1)).toEqual(['g', 'h'])
    pending[2]!.resolve()
    void group.enter().call('i')
    void group.enter().call('j')
    await vi.advanceTimersByTimeAsync(0)
    expect(calls.at(-1)).toEqual(['i', 'j'])
  })

  it('goes at once when the queued inputs weigh maxWeight', async () => {
    const { group, calls } = recorder({ maxWeight: 4 })
    const [a, b] = [group.enter(), group.enter(), group.enter()]
    void a.call('aa')
    await tick()
    expect(calls).toEqual([])
    void b.call('bb')
    await tick()
    expect(calls).toEqual([['aa', 'bb']])
  })

  it('runs one call at a time: what is queued meanwhile goes next, together', async () => {
    const { group, calls, pending } = recorder()
    const a = group.enter()
    const first = a.call('a')
    await tick()
    const [b, c] = [group.enter(), group.enter()]
    const rest = [b.call('b'), c.call('c')]
    await tick()
    expect(calls).toEqual([['a']])
    pending[0]!.resolve()
    expect(await first).toBe('a')
    await tick()
    expect(calls).toEqual([['a'], ['b', 'c']])
    pending[1]!.resolve()
    expect(await Promise.all(rest)).toEqual(['b+c', 'b+c'])
  })

  it('rejects every batch a failed call served with its error, and goes on with the next', async () => {
    const { group, calls, pending } = recorder()
    const [a, b] = [group.enter(), group.enter()]
    const answers = [a.call('a'), b.call('b')].map((p) => p.catch((err: unknown) => err))
    await tick()
    const boom = new Error('too many parts')
    pending[0]!.reject(boom)
    expect(await Promise.all(answers)).toEqual([boom, boom])
    const [c, d] = [group.enter(), group.enter()]
    const next = c.call('c')
    void d.call('d')
    await tick()
    expect(calls).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ])
    pending[1]!.resolve()
    expect(await next).toBe('c+d')
  })

  it('refuses a second call of one batch, and counts a leave after a call once', async () => {
    const { group, calls } = recorder()
    const [a, b] = [group.enter(), group.enter()]
    void a.call('a')
    await expect(a.call('again')).rejects.toThrow(/already/)
    a.leave()
    await tick()
    // b is still on its way: a's leave after its call did not count it out.
    expect(calls).toEqual([])
    b.leave()
    await tick()
    expect(calls).toEqual([['a']])
  })
})

describe('groupToken', () => {
  it("keeps a lone batch's token, and gives several one digest whatever their order", () => {
    expect(groupToken(['events.raw:0:1-9'])).toBe('events.raw:0:1-9')
    const t = groupToken(['events.raw:0:1-9', 'events.raw:1:5-7'])
    expect(t).toMatch(/^group-[0-9a-f]{32}$/)
    expect(groupToken(['events.raw:1:5-7', 'events.raw:0:1-9'])).toBe(t)
    expect(groupToken(['events.raw:1:5-7', 'events.raw:0:1-8'])).not.toBe(t)
  })
})
