import { readFileSync } from 'node:fs'
import { sourcesSchema, type Source } from '@sillage/schemas'
import { runningStart } from './admin-client.js'
import { cliCommand } from './banner.js'
import type { CliConfig } from './config.js'
import { paths } from './data-dir.js'

/** A problem the user can fix (exit 1 with the message, no stack). */
export class ImportTargetError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ImportTargetError'
  }
}

/** The server sources the collector knows: SILLAGE_SOURCES(_FILE), else the data dir's sources.json. */
function knownSources(config: Readonly<CliConfig>): readonly Source[] {
  if (config.collector.sources) return config.collector.sources
  try {
    return sourcesSchema.parse(JSON.parse(readFileSync(paths(config.dataDir).sources, 'utf8')))
  } catch {
    return []
  }
}

/**
 * The write key imports are sent with: the named source, else the first server source. Server
 * keys only: a browser key is public, and its origin allow-list would refuse the CLI anyway.
 */
export function importWriteKey(config: Readonly<CliConfig>, sourceId: string | undefined): string {
  const servers = knownSources(config).filter((s) => s.type === 'server')
  const source = sourceId === undefined ? servers[0] : servers.find((s) => s.id === sourceId)
  if (!source) {
    throw new ImportTargetError(
      sourceId === undefined
        ? `import: no server source to send with. Create one (${cliCommand()} sources create imports --type server), restart ${cliCommand()} start, and import again`
        : `import: no server source ${JSON.stringify(sourceId)}`,
    )
  }
  return source.writeKey
}

/**
 * Where the events go: --collector, else the `sillage start` running on this data dir (its
 * runtime file). Nothing is started on the user's behalf: an import into a pipeline that is not
 * running would have nowhere to land.
 */
export function importCollectorUrl(config: Readonly<CliConfig>, explicit: string | undefined): string {
  if (explicit) return explicit
  const running = runningStart(config.dataDir, config.collector.adminToken)
  if (running) return running.url
  throw new ImportTargetError(
    `import: no sillage start is running on ${config.dataDir}. Start it (${cliCommand()} start) or pass --collector <url> of a running collector; nothing was imported`,
  )
}
