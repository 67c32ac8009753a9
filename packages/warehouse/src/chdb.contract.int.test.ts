import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { describeWarehouseContract } from '../test/contract.js'
import { createWarehouse, type Warehouse } from './warehouse.js'
import { migrate } from './migrate.js'

// The whole contract on embedded chDB: transport and every repository on the migrated schema.
let dir: string
let warehouse: Warehouse
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sillage-wh-contract-'))
  warehouse = createWarehouse({ database: 'contract', dataDir: dir })
  await migrate(warehouse)
})
afterAll(async () => {
  await warehouse?.close()
  rmSync(dir, { recursive: true, force: true })
})

describeWarehouseContract('embedded chDB', { warehouse: () => warehouse, schema: true })
