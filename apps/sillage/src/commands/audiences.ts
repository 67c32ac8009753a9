import { parseArgs } from 'node:util'
import { defaultTopicSpecs } from '@sillage/bus'
import { createActivationRunner, readDefinitions, type ActivationRunner } from '@sillage/activation'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { createWarehouse, migrate } from '@sillage/warehouse'
import { runningStart } from '../admin-client.js'
import { loadCliConfig } from '../config.js'
import { openBus } from '../open-bus.js'
import { intOption, UsageError, withUsage, type Command } from './command.js'

const AUDIENCES_USAGE = `usage: sillage audiences <list|preview|sync>

  audiences list                 the audiences of the activation file (SILLAGE_AUDIENCES_FILE, else
                                 <data dir>/audiences.json), with their rule or SQL and destinations
  audiences preview <id> [--limit 20]
                                 how many people the audience holds now (marketing consent only),
                                 and the first person ids; records nothing
  audiences sync                 recomputes every audience, records who entered and left, produces
                                 Audience Entered/Exited to events.raw, then delivers to the destinations

See docs/activation.md. With embedded chDB, stop \`sillage start\` first (it syncs on its own schedule).
`

const DESTINATIONS_USAGE = `usage: sillage destinations <list|deliver|replay> [--destination ID]

  destinations list              the destinations of the activation file
  destinations deliver           delivers what is pending now
  destinations replay [--destination ID]
                                 re-queues the dead-lettered deliveries (activation.deadletters), then
                                 delivers them

See docs/activation.md.
`

/** Opens the warehouse and bus of the data dir and runs `job` with an activation runner. */
async function withRunner<T>(usage: string, job: (runner: ActivationRunner) => Promise<T>): Promise<T> {
  const config = loadCliConfig()
  if (!config.clickhouse.url && runningStart(config.dataDir, config.collector.adminToken))
    throw new UsageError(
      'sillage start is running on this data dir: it syncs and delivers on its own schedule; stop it first',
      usage,
    )
  const log = createLogger({ level: 'warn', name: 'sillage-activation' })
  const warehouse = createWarehouse({ ...config.clickhouse, dataDir: config.dataDir })
  const bus = openBus(config, 'activation')
  try {
    await migrate(warehouse)
    await bus.ensureTopics(defaultTopicSpecs(config.bus.rawPartitions))
    const runner = createActivationRunner({
      warehouse,
      bus,
      log,
      registry: createMetricsRegistry({ defaultMetrics: false }),
      options: config.activation,
    })
    return await job(runner)
  } finally {
    await bus.close()
    await warehouse.close()
  }
}

const out = (v: unknown) => process.stdout.write(`${JSON.stringify(v)}\n`)

export const audiencesCommand: Command = {
  summary: 'list, preview and sync audiences (docs/activation.md)',
  usage: AUDIENCES_USAGE,
  async run(args) {
    const { positionals, values } = withUsage(AUDIENCES_USAGE, () =>
      parseArgs({ args, allowPositionals: true, options: { limit: { type: 'string' } } }),
    )
    const [sub, id] = positionals
    if (sub === 'list') {
      for (const a of readDefinitions(loadCliConfig().activation.file).audiences)
        out({
          id: a.id,
          name: a.name ?? a.id,
          ...(a.rule ? { rule: a.rule } : { sql: a.sql }),
          destinations: a.destinations,
        })
      return
    }
    if (sub === 'preview') {
      if (!id) throw new UsageError('audiences preview: missing the audience id', AUDIENCES_USAGE)
      const limit = intOption(values.limit, 'limit', 20, AUDIENCES_USAGE)
      await withRunner(AUDIENCES_USAGE, async (runner) => {
        const audience = (await runner.loadDefinitions()).audiences.find((a) => a.id === id)
        if (!audience)
          throw new UsageError(`audiences preview: no audience ${JSON.stringify(id)}`, AUDIENCES_USAGE)
        const members = await runner.preview(audience)
        out({ audience: id, members: members.length, sample: members.slice(0, limit) })
      })
      return
    }
    if (sub === 'sync') {
      await withRunner(AUDIENCES_USAGE, async (runner) => {
        for (const r of await runner.syncNow()) out(r)
        for (const r of await runner.deliverNow()) out(r)
      })
      return
    }
    throw new UsageError(`audiences: unknown subcommand ${JSON.stringify(sub ?? '')}`, AUDIENCES_USAGE)
  },
}

export const destinationsCommand: Command = {
  summary: 'list destinations, deliver what is pending, replay dead letters (docs/activation.md)',
  usage: DESTINATIONS_USAGE,
  async run(args) {
    const { positionals, values } = withUsage(DESTINATIONS_USAGE, () =>
      parseArgs({ args, allowPositionals: true, options: { destination: { type: 'string' } } }),
    )
    const [sub] = positionals
    if (sub === 'list') {
      for (const d of readDefinitions(loadCliConfig().activation.file).destinations)
        out(d.type === 'webhook' ? { id: d.id, type: d.type, url: d.url, template: d.template } : d)
      return
    }
    if (sub === 'deliver' || sub === 'replay') {
      await withRunner(DESTINATIONS_USAGE, async (runner) => {
        if (sub === 'replay') out({ requeued: await runner.replay(values.destination) })
        for (const r of await runner.deliverNow()) out(r)
      })
      return
    }
    throw new UsageError(`destinations: unknown subcommand ${JSON.stringify(sub ?? '')}`, DESTINATIONS_USAGE)
  },
}
