#!/usr/bin/env node
import { ConfigError, ListenError } from '@sillage/runtime'
import { UsageError } from './commands/command.js'
import { COMMANDS } from './commands/registry.js'
import { DataDirInUseError } from './port-check.js'
import { SourcesError } from './sources/sources-file.js'
import { MappingError } from '@sillage/imports'

const USAGE = `usage: sillage <command> [--help]

${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`)
  .join('\n')}
`

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE)
    return
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`, USAGE)
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(command.usage)
    return
  }
  await command.run(args)
}

// `sillage dlq inspect --json | head`: a closed pipe ends the output, not with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err
  process.exit(process.exitCode ?? 0)
})

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`${err.message}\n\n${err.usage}`)
    process.exitCode = 2
  } else if (err instanceof ListenError || err instanceof DataDirInUseError) {
    // `start` or `dashboard` could not listen: one line, exit 1, whatever is still winding down.
    process.stderr.write(`${err.message}\n`)
    process.exit(1)
  } else if (err instanceof ConfigError || err instanceof SourcesError || err instanceof MappingError) {
    process.stderr.write(`${err.message}\n`)
    process.exitCode = 2
  } else {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  }
  // A failed `start` may leave a bus, chDB or a thread open: they must not keep it alive.
  process.exit()
})
