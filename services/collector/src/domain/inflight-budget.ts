/**
 * The bound on the collector's in-flight produce work: events and bytes handed to the bus and not
 * yet acknowledged (or failed). Pure bookkeeping; adapters/bounded-bus.ts applies it.
 */
export interface InflightLimits {
  maxEvents: number
  maxBytes: number
}

export interface InflightBudget {
  /**
   * Reserves room for `events`/`bytes`, or returns false when that would exceed a limit. A request
   * larger than a limit on its own is admitted whenever the work in flight is below both limits
   * (as a Node stream takes a write below its high-water mark), so limits below the largest
   * accepted batch slow it down instead of refusing it forever: waiting for an idle moment would
   * starve it under steady load. The bound is then exceeded by at most that one request.
   */
  tryAcquire(events: number, bytes: number): boolean
  release(events: number, bytes: number): void
  readonly events: number
  readonly bytes: number
  readonly limits: Readonly<InflightLimits>
}

export function createInflightBudget(limits: InflightLimits): InflightBudget {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`)
  }
  const frozen = Object.freeze({ ...limits })
  let events = 0
  let bytes = 0
  return {
    tryAcquire(e, b) {
      const oversized = e > frozen.maxEvents || b > frozen.maxBytes
      const fits = oversized
        ? events < frozen.maxEvents && bytes < frozen.maxBytes
        : events + e <= frozen.maxEvents && bytes + b <= frozen.maxBytes
      if (!fits) return false
      events += e
      bytes += b
      return true
    },
    release(e, b) {
      events -= e
      bytes -= b
      if (events < 0 || bytes < 0) throw new RangeError('in-flight budget released more than it acquired')
    },
    get events() {
      return events
    },
    get bytes() {
      return bytes
    },
    limits: frozen,
  }
}
