export { createKafkaBus, type KafkaBusOptions } from './kafka-bus.js'
export type { KafkaBusLogger } from './kafka-log.js'
