import { createWarehouse } from '@sillage/warehouse'
import { runningStart } from '../admin-client.js'
import { loadCliConfig } from '../config.js'
import { checkBus, checkWarehouse, report, type Check, type DoctorReport } from '../doctor/checks.js'
import { openBus } from '../open-bus.js'
import { parseCommandArgs, type Command } from './command.js'

const USAGE = `usage: sillage doctor [--json]

Checks the bus (Kafka brokers reachable, or the local log), that every topic exists, ClickHouse
(server or embedded chDB), and that every migration is applied. Exits 1 when a check fails.
While \`sillage start\` runs on the data dir, it runs the checks with its own connections.
`

function print(result: DoctorReport, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(result) + '\n')
  } else {
    for (const c of result.checks) process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}\n`)
    process.stdout.write(result.ok ? 'all checks passed\n' : 'some checks failed\n')
  }
  if (!result.ok) process.exitCode = 1
}

export const doctorCommand: Command = {
  summary: 'check Kafka, ClickHouse, topics and migrations; exit 1 on a failure',
  usage: USAGE,
  async run(args) {
    const { values } = parseCommandArgs(args, {
      name: 'doctor',
      usage: USAGE,
      options: { json: { type: 'boolean', default: false } },
    })
    const json = values.json
    const config = loadCliConfig()
    const running = runningStart(config.dataDir, config.collector.adminToken)
    if (running) {
      let result: DoctorReport
      try {
        result = JSON.parse(await running.call('GET', '/admin/doctor')) as DoctorReport
      } catch (err) {
        result = report([{ name: 'sillage start', ok: false, detail: (err as Error).message }])
      }
      return print(result, json)
    }
    const checks: Check[] = []
    const where =
      config.bus.kind === 'kafka'
        ? `Kafka ${config.bus.kafkaBrokers.join(',')}`
        : `local log in ${config.dataDir}`
    try {
      const bus = openBus(config, 'doctor')
      try {
        checks.push(...(await checkBus(bus, { rawPartitions: config.bus.rawPartitions, where })))
      } finally {
        await bus.close()
      }
    } catch (err) {
      checks.push({
        name: `${config.bus.kind} bus`,
        ok: false,
        detail: `${where}: ${(err as Error).message}`,
      })
    }
    const warehouseWhere = config.clickhouse.url ?? `embedded chDB in ${config.dataDir}`
    try {
      const warehouse = createWarehouse({ ...config.clickhouse, dataDir: config.dataDir, quiet: true })
      try {
        checks.push(...(await checkWarehouse(warehouse, warehouseWhere)))
      } finally {
        await warehouse.close()
      }
    } catch (err) {
      checks.push({ name: 'clickhouse', ok: false, detail: `${warehouseWhere}: ${(err as Error).message}` })
    }
    print(report(checks), json)
  },
}
