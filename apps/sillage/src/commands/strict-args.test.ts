import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { UsageError } from './command.js'
import { COMMANDS } from './registry.js'

// Every command line, down to each subcommand: a command added to the registry is covered.
const commandLines = Object.entries(COMMANDS).flatMap(([name, command]) =>
  (command.subcommands ?? ['']).map((sub) => ({
    line: `${name} ${sub}`.trim(),
    command,
    prefix: sub ? [sub] : [],
  })),
)

/** What `run` throws: a usage mistake must be found before anything is opened or read. */
async function refusal(run: () => Promise<void>): Promise<unknown> {
  try {
    await run()
  } catch (err) {
    return err
  }
  return undefined
}

describe('every command refuses what it does not know', () => {
  // A config that fails at once, should a command get past its arguments: nothing starts or opens.
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sillage-args-'))
    writeFileSync(join(dir, 'a-file'), '')
    vi.stubEnv('SILLAGE_DATA_DIR', join(dir, 'a-file'))
    vi.stubEnv('SILLAGE_SOURCES_FILE', join(dir, 'a-file', 'sources.json'))
    vi.stubEnv('SILLAGE_PORT', 'not-a-port')
  })
  afterAll(() => {
    vi.unstubAllEnvs()
    rmSync(dir, { recursive: true, force: true })
  })

  it.each(commandLines)('$line --bogus: a usage error naming it', async ({ command, prefix, line }) => {
    const err = await refusal(() => command.run([...prefix, '--bogus', 'x']))
    expect(err).toBeInstanceOf(UsageError)
    expect((err as UsageError).message).toBe(`${line}: unknown option --bogus`)
    expect((err as UsageError).usage).toBe(command.usage)
  })

  it.each(commandLines)('$line -z: a usage error naming it', async ({ command, prefix, line }) => {
    const err = await refusal(() => command.run([...prefix, '-z']))
    expect((err as Error).message).toBe(`${line}: unknown option -z`)
  })

  // Those that take no positional argument, or one: one more is refused.
  it.each([
    ['start', ['extra']],
    ['doctor', ['extra']],
    ['migrate', ['extra']],
    ['seed', ['extra']],
    ['sources', ['list', 'extra']],
    ['sources', ['rotate', 'web', 'extra']],
    ['dlq', ['inspect', 'extra']],
    ['plan', ['check', 'extra']],
    ['audiences', ['list', 'extra']],
    ['audiences', ['sync', 'vip', 'extra']],
    ['destinations', ['list', 'extra']],
    ['destinations', ['deliver', 'extra']],
  ])('%s %j: a usage error naming the stray argument', async (name, args) => {
    const err = await refusal(() => COMMANDS[name]!.run(args))
    expect(err).toBeInstanceOf(UsageError)
    expect((err as Error).message).toMatch(/: unexpected argument "extra"$/)
  })

  it('start --port says where the port comes from', async () => {
    const err = await refusal(() => COMMANDS['start']!.run(['--port', '9000']))
    expect((err as Error).message).toBe(
      'start: unknown option --port; it is set by SILLAGE_PORT (docs/configuration.md)',
    )
  })

  it('an option only another subcommand takes is refused (destinations deliver --destination)', async () => {
    const err = await refusal(() => COMMANDS['destinations']!.run(['deliver', '--destination', 'hook']))
    expect((err as Error).message).toBe('destinations deliver: unknown option --destination')
  })
})
