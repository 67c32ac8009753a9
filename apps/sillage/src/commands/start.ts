import { loadCliConfig } from '../config.js'
import { start } from '../start.js'
import { parseCommandArgs, type Command } from './command.js'

const USAGE = `usage: sillage start

Settings come from the environment (SILLAGE_PORT, SILLAGE_HOST, SILLAGE_DATA_DIR …), not from
options: see docs/configuration.md.
`

const fromEnv = (variable: string) => `it is set by ${variable} (docs/configuration.md)`

export const startCommand: Command = {
  summary: 'run the embedded pipeline (collector, identity, bus, ClickHouse), the demo shop and the debugger',
  usage: USAGE,
  async run(args) {
    parseCommandArgs(args, {
      name: 'start',
      usage: USAGE,
      options: {},
      hints: {
        port: fromEnv('SILLAGE_PORT'),
        host: fromEnv('SILLAGE_HOST'),
        'data-dir': fromEnv('SILLAGE_DATA_DIR'),
      },
    })
    return start(loadCliConfig())
  },
}
