import { BusError, defaultTopicSpecs, TOPICS, type Bus } from '@sillage/bus'
import {
  appliedMigrations,
  checkServerVersion,
  ClickHouseVersionError,
  loadMigrations,
  MIN_CLICKHOUSE_VERSION,
  type Warehouse,
} from '@sillage/warehouse'
import { cliCommand } from '../banner.js'

export interface Check {
  name: string
  ok: boolean
  detail: string
}

export interface DoctorReport {
  ok: boolean
  checks: Check[]
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err))

/**
 * The bus answers, every topic exists (with the partition count Sillage would create for it, or
 * a note when it differs), and how far identity is behind.
 */
export async function checkBus(bus: Bus, opts: { rawPartitions: number; where: string }): Promise<Check[]> {
  const checks: Check[] = []
  for (const spec of defaultTopicSpecs(opts.rawPartitions)) {
    try {
      const partitions = await bus.offsets(spec.name, spec.name === TOPICS.raw ? 'identity' : undefined)
      const stored = partitions.reduce((n, p) => n + p.end - p.start, 0)
      const notes = [`${partitions.length} partition(s), ${stored} record(s) stored`]
      if (partitions.length !== spec.partitions) notes.push(`Sillage creates it with ${spec.partitions}`)
      if (spec.name === TOPICS.raw) {
        const lag = partitions.reduce((n, p) => n + p.end - Math.max(p.committed ?? p.start, p.start), 0)
        notes.push(`identity lag ${lag}`)
      }
      checks.push({ name: `topic ${spec.name}`, ok: true, detail: notes.join('; ') })
    } catch (err) {
      if (err instanceof BusError && err.code === 'SIL_BUS_UNKNOWN_TOPIC') {
        checks.push({
          name: `topic ${spec.name}`,
          ok: false,
          detail: 'missing: the collector and identity create the topics when they start',
        })
        continue
      }
      // Unreachable: the other topics would only repeat it.
      checks.push({ name: `${bus.kind} bus`, ok: false, detail: `${opts.where}: ${message(err)}` })
      return checks
    }
  }
  checks.unshift({ name: `${bus.kind} bus`, ok: true, detail: `${opts.where}: reachable` })
  return checks
}

/** ClickHouse answers, and every migration of this version is recorded as applied. */
export async function checkWarehouse(warehouse: Warehouse, where: string): Promise<Check[]> {
  let version: string
  try {
    version = await checkServerVersion(warehouse)
  } catch (err) {
    const detail =
      err instanceof ClickHouseVersionError
        ? `ClickHouse ${err.version}, too old (needs ${MIN_CLICKHOUSE_VERSION.join('.')} or later)`
        : message(err)
    return [{ name: 'clickhouse', ok: false, detail: `${where}: ${detail}` }]
  }
  const checks: Check[] = [{ name: 'clickhouse', ok: true, detail: `${where}: ClickHouse ${version}` }]
  const expected = loadMigrations(warehouse.database)
  let applied: Map<number, string>
  try {
    applied = await appliedMigrations(warehouse)
  } catch (err) {
    return [
      ...checks,
      {
        name: 'migrations',
        ok: false,
        detail: `none applied (${message(err).split('\n')[0]}): run ${cliCommand()} migrate`,
      },
    ]
  }
  const pending = expected.filter((m) => !applied.has(m.version))
  const changed = expected.filter((m) => applied.has(m.version) && applied.get(m.version) !== m.checksum)
  const latest = expected.at(-1)
  checks.push(
    pending.length > 0
      ? {
          name: 'migrations',
          ok: false,
          detail: `pending: ${pending.map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`).join(', ')}: run ${cliCommand()} migrate`,
        }
      : {
          name: 'migrations',
          ok: true,
          detail:
            `${expected.length} applied (latest ${latest ? `${String(latest.version).padStart(4, '0')}_${latest.name}` : 'none'})` +
            (changed.length > 0
              ? `; edited since applied: ${changed.map((m) => m.version).join(', ')} (migrations are append-only)`
              : ''),
        },
  )
  return checks
}

export function report(checks: Check[]): DoctorReport {
  return { ok: checks.every((c) => c.ok), checks }
}
