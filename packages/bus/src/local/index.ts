export { createLocalBus, DEFAULT_SEGMENT_BYTES, type LocalBusOptions } from './local-bus.js'
export type { LocalBusLogger } from './logger.js'
export type { RetryBackoff } from './group-consumer.js'
