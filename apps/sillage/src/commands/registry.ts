import { audiencesCommand, destinationsCommand } from './audiences.js'
import type { Command } from './command.js'
import { dashboardCommand } from './dashboard.js'
import { dlqCommand } from './dlq.js'
import { doctorCommand } from './doctor.js'
import { importCommand } from './import.js'
import { migrateCommand } from './migrate.js'
import { planCommand } from './plan.js'
import { queryCommand } from './query.js'
import { seedCommand } from './seed.js'
import { sourcesCommand } from './sources.js'
import { startCommand } from './start.js'

/** Every `sillage` command, in the order `sillage --help` lists them. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  start: startCommand,
  query: queryCommand,
  migrate: migrateCommand,
  sources: sourcesCommand,
  dlq: dlqCommand,
  doctor: doctorCommand,
  seed: seedCommand,
  import: importCommand,
  audiences: audiencesCommand,
  destinations: destinationsCommand,
  plan: planCommand,
  dashboard: dashboardCommand,
}
