import { loadSourcesFileConfig } from '../config.js'
import {
  createSource,
  maskKey,
  parseDuration,
  previousKeys,
  readSourcesFile,
  rotateSource,
  SourcesError,
  writeSourcesFile,
} from '../sources/sources-file.js'
import { intOption, parseCommandArgs, UsageError, type Command } from './command.js'

const USAGE = `usage: sillage sources <list|create|rotate> …

  sources list [--show-keys] [--json]
      the sources, with their write keys (server keys masked unless --show-keys)
  sources create <id> --type browser|server [--origin URL]… [--consent-required CATEGORY]
                 [--rate-limit EVENTS_PER_MINUTE] [--keep-full-ip]
      adds a source with a new random write key and prints the key
  sources rotate <id> [--grace 7d]
      gives the source a new write key; the old one keeps working for the grace period
      (e.g. 7d, 36h, 90m; 0 revokes it at once)

The sources live in $SILLAGE_SOURCES_FILE, or in $SILLAGE_DATA_DIR/sources.json (embedded mode).
Collectors read them at start: restart them (or \`sillage start\`) to apply a change.
`

function editableFile(): string {
  const config = loadSourcesFileConfig()
  if (config.inline) {
    throw new SourcesError(
      'the sources come from SILLAGE_SOURCES (an environment variable): edit it there, or keep them in a file named by SILLAGE_SOURCES_FILE',
    )
  }
  return config.file
}

const applyHint = (file: string): string =>
  `Saved to ${file}. Collectors read their sources at start: restart them (or \`sillage start\`) to apply.\n`

function list(args: string[]): void {
  const { values } = parseCommandArgs(args, {
    name: 'sources list',
    usage: USAGE,
    options: { 'show-keys': { type: 'boolean' }, json: { type: 'boolean' } },
  })
  const config = loadSourcesFileConfig()
  const sources = readSourcesFile(config.file)
  const show = (key: string, type: unknown) => (values['show-keys'] ? key : maskKey(key, type))
  if (values.json) {
    for (const s of sources) {
      const previous = previousKeys(s).map((p) => ({ ...p, writeKey: show(p.writeKey, s['type']) }))
      process.stdout.write(
        JSON.stringify({ ...s, writeKey: show(s.writeKey, s['type']), previousWriteKeys: previous }) + '\n',
      )
    }
    return
  }
  if (sources.length === 0) {
    process.stdout.write(`no sources in ${config.file}\n`)
    return
  }
  for (const s of sources) {
    const origins = Array.isArray(s['allowedOrigins']) ? (s['allowedOrigins'] as string[]).join(', ') : ''
    process.stdout.write(
      `${s.id}\t${String(s['type'])}\t${show(s.writeKey, s['type'])}${origins ? `\torigins: ${origins}` : ''}\n`,
    )
    for (const p of previousKeys(s)) {
      const state = Date.parse(p.expiresAt) > Date.now() ? 'accepted until' : 'expired'
      process.stdout.write(`\t\tprevious ${show(p.writeKey, s['type'])} ${state} ${p.expiresAt}\n`)
    }
  }
}

function create(args: string[]): void {
  const { values, positionals } = parseCommandArgs(args, {
    name: 'sources create',
    usage: USAGE,
    options: {
      type: { type: 'string' },
      origin: { type: 'string', multiple: true },
      'consent-required': { type: 'string' },
      'rate-limit': { type: 'string' },
      'keep-full-ip': { type: 'boolean' },
    },
    positionals: 1,
  })
  const [id] = positionals
  if (!id) throw new UsageError('sources create: give one source id', USAGE)
  const type = values.type
  if (type !== 'browser' && type !== 'server')
    throw new UsageError('sources create: --type browser|server', USAGE)
  if (type === 'server' && values.origin) throw new UsageError('--origin is for browser sources', USAGE)
  const file = editableFile()
  const sources = createSource(readSourcesFile(file), {
    id,
    type,
    allowedOrigins: values.origin ?? [],
    consentRequired: values['consent-required'],
    rateLimitPerMinute:
      values['rate-limit'] === undefined
        ? undefined
        : intOption(values['rate-limit'], 'rate-limit', 0, USAGE),
    keepFullIp: values['keep-full-ip'] ?? false,
  })
  const saved = writeSourcesFile(file, sources)
  const source = saved.find((s) => s.id === id)
  process.stdout.write(`created source "${id}" (${type})\nwrite key: ${source?.writeKey}\n${applyHint(file)}`)
  if (type === 'browser' && (values.origin ?? []).length === 0) {
    process.stdout.write('Note: no --origin: browsers may use this key from no origin until you add some.\n')
  }
}

function rotate(args: string[]): void {
  const { values, positionals } = parseCommandArgs(args, {
    name: 'sources rotate',
    usage: USAGE,
    options: { grace: { type: 'string' } },
    positionals: 1,
  })
  const [id] = positionals
  if (!id) throw new UsageError('sources rotate: give one source id', USAGE)
  const graceMs = parseDuration(values.grace ?? '7d')
  const file = editableFile()
  const result = rotateSource(readSourcesFile(file), id, graceMs)
  writeSourcesFile(file, result.sources)
  process.stdout.write(
    `rotated source "${id}"\nnew write key: ${result.writeKey}\n` +
      (result.previousExpiresAt
        ? `the previous key is accepted until ${result.previousExpiresAt}\n`
        : 'the previous key is revoked\n') +
      applyHint(file),
  )
}

export const sourcesCommand: Command = {
  summary: 'list, create and rotate the write keys of the sources',
  usage: USAGE,
  subcommands: ['list', 'create', 'rotate'],
  async run(args) {
    const [sub, ...rest] = args
    switch (sub) {
      case 'list':
        return list(rest)
      case 'create':
        return create(rest)
      case 'rotate':
        return rotate(rest)
      default:
        throw new UsageError(sub ? `unknown sources command "${sub}"` : 'sources: which command?', USAGE)
    }
  },
}
