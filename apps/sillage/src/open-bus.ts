import { existsSync } from 'node:fs'
import { hostname } from 'node:os'
import { createBusFromConfig, type Bus } from '@sillage/bus'
import { sourcesSchema, type Source } from '@sillage/schemas'
import type { CliConfig } from './config.js'
import { paths } from './data-dir.js'
import { readSourcesFile } from './sources/sources-file.js'

/** The bus the CLI reads and writes itself (Kafka, or the data dir's local log when no start runs). */
export function openBus(config: CliConfig, role: string): Bus {
  return createBusFromConfig({
    ...config.bus,
    localDir: paths(config.dataDir).bus,
    clientId: `sillage-cli-${role}-${hostname()}-${process.pid}`,
  })
}

/** The configured sources, else (embedded mode) the data dir's sources.json; [] when neither. */
export function configuredSources(config: CliConfig): readonly Source[] {
  if (config.collector.sources) return config.collector.sources
  const file = paths(config.dataDir).sources
  return existsSync(file) ? sourcesSchema.parse(readSourcesFile(file)) : []
}
