import { generateShop } from '@sillage/testkit'
import { cliCommand } from '../banner.js'
import { loadCliConfig } from '../config.js'
import { readRuntime, SEED_SOURCE_ID } from '../data-dir.js'
import { configuredSources } from '../open-bus.js'
import { createProgress } from '../seed/progress.js'
import { sendBatches } from '../seed/send-batches.js'
import { UsageError, intOption, parseCommandArgs, type Command } from './command.js'

const USAGE = `usage: sillage seed [--shoppers N] [--days N] [--seed N]

Fills a running \`sillage start\` with a demo shop: N shoppers (default 1000) browsing, adding to
cart, abandoning and ordering on the web, the app and in store over the last N days (default 90,
ending at today's UTC midnight), with logins, newsletter sign-ups and loyalty cards. The events go
through the collector's public API (/v1/batch) with the server source "${SEED_SOURCE_ID}" (created
by \`start\` in the data dir; no rate limit), so they are validated, stitched and modelled like live
ones. The same --seed gives the same events: running it twice adds nothing (messageId dedup).
`

const DAY = 86_400_000

export const seedCommand: Command = {
  summary: 'fill a running start with a generated demo shop (shoppers, days, seed), through the collector',
  usage: USAGE,
  async run(args) {
    const { values } = parseCommandArgs(args, {
      name: 'seed',
      usage: USAGE,
      options: {
        shoppers: { type: 'string' },
        days: { type: 'string' },
        seed: { type: 'string' },
      },
    })
    const shoppers = intOption(values.shoppers, 'shoppers', 1000, USAGE)
    const days = intOption(values.days, 'days', 90, USAGE)
    const seed = intOption(values.seed, 'seed', 1, USAGE)
    if (shoppers < 1 || days < 1) throw new UsageError('--shoppers and --days must be at least 1', USAGE)

    const config = loadCliConfig()
    const runtime = readRuntime(config.dataDir)
    if (!runtime) {
      throw new Error(
        `sillage seed: no sillage start runs on ${config.dataDir}; run \`${cliCommand()} start\` in another terminal first`,
      )
    }
    const sources = configuredSources(config)
    const source = sources.find((s) => s.id === SEED_SOURCE_ID) ?? sources.find((s) => s.type === 'server')
    if (!source) {
      throw new Error(
        'sillage seed: no server source to send through; restart `sillage start` (it creates the "seed" source in the data dir), or add one with `sillage sources create seed --type server`',
      )
    }

    const end = new Date(Math.floor(Date.now() / DAY) * DAY)
    const shop = generateShop({ seed, shoppers, days, end })
    const events = shop.events.map((g) => g.event)
    process.stderr.write(
      `generated ${events.length.toLocaleString('en')} events: ${shoppers} shoppers over ${days} days (seed ${seed}); sending to ${runtime.url} as source "${source.id}"\n`,
    )
    const progress = createProgress(events.length, 'seeding')
    const result = await sendBatches(events, {
      url: runtime.url,
      writeKey: source.writeKey,
      onProgress: (n) => progress.update(n),
    })
    progress.done()
    const byCode = new Map<string, number>()
    for (const r of result.rejected) byCode.set(r.code, (byCode.get(r.code) ?? 0) + 1)
    process.stdout.write(
      `seeded ${result.accepted} events (${result.rejected.length} rejected${
        byCode.size ? `: ${[...byCode].map(([c, n]) => `${c} ${n}`).join(', ')}` : ''
      }) from ${shoppers} shoppers over ${days} days, seed ${seed}; ${shop.truth.orders.length} orders\n`,
    )
    if (result.rejected.length > 0) process.exitCode = 1
  },
}
