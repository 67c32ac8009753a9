import { randomUUID } from 'node:crypto'
import { inject } from 'vitest'
import type { Bus } from '../bus.js'
import { describeBusContract } from '../../test/contract.js'
import { createKafkaBus } from './kafka-bus.js'

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string
  }
}

/** From tests/global-setup.ts; a missing or unreachable broker fails these tests. */
function kafkaBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS || inject('kafkaBrokers')
  if (!brokers) throw new Error('KAFKA_BROKERS is not set and tests/global-setup.ts provided no broker')
  return brokers.split(',').map((b) => b.trim())
}

describeBusContract('kafka', async () => {
  const brokers = kafkaBrokers()
  const buses: Bus[] = []
  const open = (): Bus => {
    const bus = createKafkaBus({ brokers, clientId: `contract-${randomUUID().slice(0, 8)}` })
    buses.push(bus)
    return bus
  }
  return {
    bus: open(),
    reopen: async () => open(),
    cleanup: async () => {
      await Promise.all(buses.map((b) => b.close()))
    },
  }
})
