import { createKafkaBus, createLocalBus, type Bus } from '@sillage/bus'
import type { Logger } from '@sillage/runtime'
import type { CliConfig } from './config.js'
import { paths } from './data-dir.js'

export function createBusFromConfig(config: CliConfig, log: Logger, clientId: string): Bus {
  const busLog = log.child({ component: 'bus' })
  return config.bus === 'kafka'
    ? createKafkaBus({ brokers: config.kafkaBrokers, clientId, log: busLog })
    : createLocalBus({ dir: paths(config.dataDir).bus, log: busLog })
}
