import { BusError } from '../bus.js'

interface KafkaJsLikeError {
  name?: string
  type?: string
  cause?: unknown
  originalError?: unknown
  errors?: unknown[]
}

/** Every kafkajs error type found in the error, its causes and aggregated errors. */
function errorTypes(err: unknown, seen = new Set<unknown>()): string[] {
  if (typeof err !== 'object' || err === null || seen.has(err)) return []
  seen.add(err)
  const e = err as KafkaJsLikeError
  const own = typeof e.type === 'string' ? [e.type] : []
  const nested = [e.cause, e.originalError, ...(Array.isArray(e.errors) ? e.errors : [])]
  return [...own, ...nested.flatMap((n) => errorTypes(n, seen))]
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/**
 * Maps a kafkajs failure to the bus error catalogue, keeping the original as `cause`.
 * An unknown topic is a deployment mistake (topics are pre-created); anything else means the
 * broker could not take or serve the request in time: retry later.
 */
export function toBusError(err: unknown, what: string, topic?: string): BusError {
  if (err instanceof BusError) return err
  if (errorTypes(err).includes('UNKNOWN_TOPIC_OR_PARTITION')) {
    return new BusError('SIL_BUS_UNKNOWN_TOPIC', `${what}: topic ${topic ?? '?'} does not exist`, {
      cause: err,
    })
  }
  return new BusError('SIL_BUS_UNAVAILABLE', `${what}: Kafka unavailable: ${messageOf(err)}`, { cause: err })
}
