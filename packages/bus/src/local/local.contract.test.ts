import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Bus } from '../bus.js'
import { describeBusContract } from '../../test/contract.js'
import { createLocalBus } from './local-bus.js'

describeBusContract('local', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sillage-local-bus-'))
  const buses: Bus[] = []
  const open = (): Bus => {
    const bus = createLocalBus({ dir })
    buses.push(bus)
    return bus
  }
  return {
    bus: open(),
    reopen: async () => open(),
    cleanup: async () => {
      await Promise.all(buses.map((b) => b.close()))
      await rm(dir, { recursive: true, force: true })
    },
  }
})
