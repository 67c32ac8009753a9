import { defaultTopicSpecs } from '@sillage/bus'
import {
  createActivationRunner,
  readDefinitions,
  readMergedDefinitions,
  type ActivationRunner,
} from '@sillage/activation'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { createWarehouse, migrate } from '@sillage/warehouse'
import { runningStart, type RunningStart } from '../admin-client.js'
import { audienceLines, audienceLinesFromAdminApi, type AudienceLine } from '../audience-list.js'
import { loadCliConfig } from '../config.js'
import { openBus } from '../open-bus.js'
import { intOption, parseCommandArgs, UsageError, type Command } from './command.js'

const AUDIENCES_USAGE = `usage: sillage audiences <list|preview|sync>

  audiences list                 every audience: the activation file's (SILLAGE_AUDIENCES_FILE, else
                                 <data dir>/audiences.json) and the admin API's (/admin/audiences),
                                 with its source (file or api), version, rule or SQL and destinations
  audiences preview <id> [--limit 20]
                                 how many people the audience (file or API) holds now (marketing
                                 consent only), and the first person ids; records nothing
  audiences sync [<id>]          recomputes every audience (or this one), records who entered and
                                 left, produces Audience Entered/Exited to events.raw, then delivers
                                 to the destinations

See docs/activation.md. With embedded chDB, the commands go through \`sillage start\` when it runs
on the data dir (its admin API), else open the data dir themselves.
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

/**
 * The merged definitions (file and API, readMergedDefinitions): through the running `sillage
 * start` on this data dir when there is one (its chDB is its own), else read here.
 */
async function listAudiences(): Promise<AudienceLine[]> {
  const running = throughRunningStart()
  if (running)
    return audienceLinesFromAdminApi(
      JSON.parse(await running.call('GET', '/admin/audiences')) as {
        audiences: Array<Record<string, unknown>>
      },
    )
  const config = loadCliConfig()
  const warehouse = createWarehouse({ ...config.clickhouse, dataDir: config.dataDir })
  try {
    await migrate(warehouse)
    return audienceLines(await readMergedDefinitions({ warehouse, file: config.activation.file }))
  } finally {
    await warehouse.close()
  }
}

/** The `sillage start` running on this data dir (embedded chDB), whose admin API the commands use. */
function throughRunningStart(): RunningStart | undefined {
  const config = loadCliConfig()
  return config.clickhouse.url ? undefined : runningStart(config.dataDir, config.collector.adminToken)
}

/** POST /admin/audiences<path> on the running start; its 404 is the CLI's "no audience". */
async function callAudiences(
  running: RunningStart,
  path: string,
  id?: string,
): Promise<Record<string, unknown>> {
  try {
    // A preview runs the audience's query, a sync recomputes and delivers (webhook retries with
    // backoff): no time limit (the process is checked to answer first).
    return JSON.parse(
      await running.call('POST', `/admin/audiences${path}`, undefined, { timeoutMs: 0 }),
    ) as Record<string, unknown>
  } catch (err) {
    if (err instanceof Error && err.message.includes('SIL_AUDIENCE_NOT_FOUND'))
      throw new UsageError(`audiences: no audience ${JSON.stringify(id)}`, AUDIENCES_USAGE)
    throw err
  }
}

const out = (v: unknown) => process.stdout.write(`${JSON.stringify(v)}\n`)

/**
 * Through a running start, the deliveries use start's environment: a webhook secret set only on
 * the CLI's command line is not used (the webhook is logged "without a secret", not delivered).
 */
function secretsNote(url: string): string | undefined {
  const names = Object.keys(process.env).filter((k) => k.startsWith('SILLAGE_DESTINATION_SECRET_'))
  if (names.length === 0) return undefined
  return (
    `note: ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} set here, but the running sillage start (${url}) ` +
    `delivers with its own environment: it must have been started with the variable to deliver there (docs/activation.md)\n`
  )
}

export const audiencesCommand: Command = {
  summary: 'list, preview and sync audiences (docs/activation.md)',
  usage: AUDIENCES_USAGE,
  subcommands: ['list', 'preview', 'sync'],
  async run(args) {
    const [sub, ...rest] = args
    const spec = { name: `audiences ${sub}`, usage: AUDIENCES_USAGE }
    if (sub === 'list') {
      parseCommandArgs(rest, { ...spec, options: {} })
      const lines = await listAudiences()
      for (const line of lines) out(line)
      if (lines.length === 0)
        process.stderr.write(
          `no audiences yet: define them in ${loadCliConfig().activation.file} or through /admin/audiences (docs/activation.md)\n`,
        )
      return
    }
    if (sub === 'preview') {
      const { values, positionals } = parseCommandArgs(rest, {
        ...spec,
        options: { limit: { type: 'string' } },
        positionals: 1,
      })
      const [id] = positionals
      const running = throughRunningStart()
      if (!id) throw new UsageError('audiences preview: missing the audience id', AUDIENCES_USAGE)
      const limit = intOption(values.limit, 'limit', 20, AUDIENCES_USAGE)
      if (running) {
        const r = await callAudiences(running, `/${encodeURIComponent(id)}/preview`, id)
        out({ audience: id, members: r['members'], sample: (r['sample'] as unknown[]).slice(0, limit) })
        return
      }
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
      const [id] = parseCommandArgs(rest, { ...spec, options: {}, positionals: 1 }).positionals
      const running = throughRunningStart()
      if (running) {
        const r = await callAudiences(
          running,
          id === undefined ? '/sync' : `/${encodeURIComponent(id)}/sync`,
          id,
        )
        for (const x of [...(r['synced'] as unknown[]), ...(r['delivered'] as unknown[])]) out(x)
        const note = secretsNote(running.url)
        if (note) process.stderr.write(note)
        return
      }
      await withRunner(AUDIENCES_USAGE, async (runner) => {
        if (id !== undefined && !(await runner.loadDefinitions()).audiences.some((a) => a.id === id))
          throw new UsageError(`audiences sync: no audience ${JSON.stringify(id)}`, AUDIENCES_USAGE)
        for (const r of await runner.syncNow(id)) out(r)
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
  subcommands: ['list', 'deliver', 'replay'],
  async run(args) {
    const [sub, ...rest] = args
    const spec = { name: `destinations ${sub}`, usage: DESTINATIONS_USAGE }
    if (sub === 'list') {
      parseCommandArgs(rest, { ...spec, options: {} })
      const file = loadCliConfig().activation.file
      const destinations = readDefinitions(file).destinations
      for (const d of destinations)
        out(d.type === 'webhook' ? { id: d.id, type: d.type, url: d.url, template: d.template } : d)
      if (destinations.length === 0)
        process.stderr.write(`no destinations yet: define them in ${file} (docs/activation.md)\n`)
      return
    }
    if (sub === 'deliver' || sub === 'replay') {
      let destination: string | undefined // replay's only option
      if (sub === 'deliver') parseCommandArgs(rest, { ...spec, options: {} })
      else
        destination = parseCommandArgs(rest, { ...spec, options: { destination: { type: 'string' } } }).values
          .destination
      await withRunner(DESTINATIONS_USAGE, async (runner) => {
        if (sub === 'replay') out({ requeued: await runner.replay(destination) })
        for (const r of await runner.deliverNow()) out(r)
      })
      return
    }
    throw new UsageError(`destinations: unknown subcommand ${JSON.stringify(sub ?? '')}`, DESTINATIONS_USAGE)
  },
}
