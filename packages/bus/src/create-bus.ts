import type { Bus } from './bus.js'
import { createKafkaBus } from './kafka/kafka-bus.js'
import type { KafkaBusLogger } from './kafka/kafka-log.js'
import { createLocalBus } from './local/local-bus.js'
import type { LocalBusLogger } from './local/logger.js'
import { createNamespacedBus } from './namespaced-bus.js'

export interface BusFromConfigOptions {
  kind: 'local' | 'kafka'
  kafkaBrokers: readonly string[]
  /** Directory of the local log; required when `kind` is 'local'. */
  localDir?: string
  /** Prepended to every topic and group name (see namespaced-bus.ts); '' or unset for none. */
  topicPrefix?: string
  /** Kafka only: a produce with no ack by then rejects with SIL_BUS_UNAVAILABLE. */
  produceTimeoutMs?: number
  /** Kafka only: how long a silent consumer keeps its partitions (see KafkaBusOptions). */
  sessionTimeoutMs?: number
  /**
   * Local only: each partition's newest records kept in memory (LocalBusOptions.tailBytes), for a
   * process whose consumers read what it produces (IN_PROCESS_TAIL_BYTES). Default: none.
   */
  localTailBytes?: number
  /** Kafka client id, e.g. `sillage-collector-<host>-<pid>`. */
  clientId: string
  log?: KafkaBusLogger & LocalBusLogger
}

/** The one place that turns bus settings into a Bus; every composition root calls it. */
export function createBusFromConfig(options: BusFromConfigOptions): Bus {
  let bus: Bus
  if (options.kind === 'kafka') {
    bus = createKafkaBus({
      brokers: options.kafkaBrokers,
      clientId: options.clientId,
      ...(options.log && { log: options.log }),
      ...(options.produceTimeoutMs !== undefined && { produceTimeoutMs: options.produceTimeoutMs }),
      ...(options.sessionTimeoutMs !== undefined && { sessionTimeoutMs: options.sessionTimeoutMs }),
    })
  } else {
    if (!options.localDir) throw new RangeError('createBusFromConfig: localDir is required for the local bus')
    bus = createLocalBus({
      dir: options.localDir,
      ...(options.log && { log: options.log }),
      ...(options.localTailBytes !== undefined && { tailBytes: options.localTailBytes }),
    })
  }
  return createNamespacedBus(bus, options.topicPrefix ?? '')
}
