export interface CallGroupOptions<In> {
  /** The longest a queued call waits for the batches still on their way. */
  maxWaitMs: number
  /** Queued calls whose inputs weigh this much together go at once. */
  maxWeight: number
  weight: (input: In) => number
  /** Told of each grouped call as it is made, with how many batches it serves. */
  onCall?: (batches: number) => void
}

/** One batch on its way to the grouped call (entered as soon as the batch is in hand). */
export interface GroupMember<In, Out> {
  /**
   * Queues `input`: resolves with the grouped call's answer once it is made, rejects with its
   * error. At most once per member.
   */
  call(input: In): Promise<Out>
  /** The batch ends without calling (or has called): the group stops waiting for it. */
  leave(): void
}

export interface CallGroup<In, Out> {
  enter(): GroupMember<In, Out>
}

interface Queued<In, Out> {
  input: In
  resolve: (out: Out) => void
  reject: (err: unknown) => void
}

/**
 * The calls of batches handled at the same time (one per partition on the local bus), made as one
 * call of `run` with all their inputs. Identity groups its dedup reads and its inserts into
 * `events` so: each query or insert has a fixed cost on chDB whatever its size, and each insert
 * writes a part of `events` and of every materialised view's table, merged later
 * (docs/benchmarks.md, "Round of 2026-12-08").
 *
 * A batch enters when it is in hand. Its input, once queued, waits until no entered batch is still
 * on its way and as many batches are queued as the last call served (partitions whose waits for
 * records ended a few milliseconds apart come together), `maxWeight` is queued, or `maxWaitMs`
 * passed (a batch held by a barrier, or a partition with nothing to send, does not hold the others
 * for longer; the next call then expects as many as this one served). One call runs at a time:
 * what is queued meanwhile goes next. A call that fails rejects every batch it served with its error; each then handles it as
 * its own.
 */
export function createCallGroup<In, Out>(
  run: (inputs: readonly In[]) => Promise<Out>,
  options: CallGroupOptions<In>,
): CallGroup<In, Out> {
  let onTheirWay = 0
  /** How many batches the last call served: as many are expected for the next. */
  let expected = 1
  let queue: Queued<In, Out>[] = []
  let queuedWeight = 0
  let running = false
  let due = false
  let timer: ReturnType<typeof setTimeout> | undefined

  const go = async (): Promise<void> => {
    const group = queue
    queue = []
    queuedWeight = 0
    due = false
    clearTimeout(timer)
    timer = undefined
    running = true
    expected = group.length
    options.onCall?.(group.length)
    try {
      const out = await run(group.map((q) => q.input))
      for (const q of group) q.resolve(out)
    } catch (err) {
      for (const q of group) q.reject(err)
    } finally {
      running = false
      next()
    }
  }

  const next = (): void => {
    if (running || queue.length === 0) return
    const all = onTheirWay === 0 && queue.length >= expected
    if (all || due || queuedWeight >= options.maxWeight) {
      void go()
      return
    }
    timer ??= setTimeout(() => {
      timer = undefined
      due = true
      next()
    }, options.maxWaitMs)
  }

  return {
    enter() {
      onTheirWay++
      let here = true
      const leave = () => {
        if (!here) return
        here = false
        onTheirWay--
        next()
      }
      return {
        call(input) {
          if (!here) return Promise.reject(new Error('call group: this batch has already called or left'))
          here = false
          onTheirWay--
          return new Promise<Out>((resolve, reject) => {
            queue.push({ input, resolve, reject })
            queuedWeight += options.weight(input)
            next()
          })
        },
        leave,
      }
    },
  }
}
