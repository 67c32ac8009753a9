import { runningStart } from '../admin-client.js'
import { loadCliConfig } from '../config.js'
import { describePayload, type DeadLetterFilter } from '../dlq/dead-letters.js'
import { dlqFilterSchema } from '../dlq/dlq-filter.js'
import {
  DLQ_CALL_TIMEOUT_MS,
  inspectDeadLetters,
  replayDeadLetters,
  REPLAY_GROUP,
  type InspectResult,
  type ReplayResult,
} from '../dlq/dlq-ops.js'
import { configuredSources, openBus } from '../open-bus.js'
import { intOption, parseCommandArgs, UsageError, type Command } from './command.js'
import { inspectActivation, NO_ACTIVATION_REPLAY, NO_TOPIC_YET } from './dlq-activation.js'
import { MAX_INSPECT_LIMIT } from '../admin-ops.route.js'

const USAGE = `usage: sillage dlq <inspect|replay> [filters]

  dlq inspect [--limit 20] [--json] [filters]
      the latest dead letters of events.invalid (rejected events, with their reason), and a count
      per reason; --json prints each letter in full (payload included) as a JSON line
  dlq replay [--dry-run] [--all] [filters]
      runs the dead letters not replayed yet through today's validation (the collector's, with each
      source's current settings) and produces those that now pass to events.raw; prints how many
      passed and how many still fail. Idempotent: the consumer group "${REPLAY_GROUP}" remembers
      what was replayed, and replayed events keep stable messageIds (identity drops duplicates).
      --dry-run counts without producing; --all rereads everything events.invalid still holds.

  filters: --source ID  --code SIL_EVENT_…  --since ISO-DATE  --until ISO-DATE
  (replay passes over the letters that do not match: only --all reaches them again)

  dlq inspect --topic activation [--destination ID] [--since …] [--until …] [--limit 20] [--json]
      the deliveries to webhook and file destinations that failed for good (activation.deadletters):
      per letter its destination, reason, attempts and items, and a count per destination; --json
      prints each letter in full (its items included). Inspect only: they are not replayed.

With the local bus, while \`sillage start\` runs on the data dir, the work is done by it (admin API).
`

const FILTER_OPTIONS = {
  source: { type: 'string' },
  code: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
} as const

function filterFrom(values: Record<string, unknown>): {
  wire: Record<string, string>
  filter: DeadLetterFilter
} {
  const wire: Record<string, string> = {}
  for (const name of ['source', 'code', 'since', 'until']) {
    const v = values[name]
    if (typeof v === 'string') wire[name] = v
  }
  const parsed = dlqFilterSchema.safeParse(wire)
  if (!parsed.success) {
    throw new UsageError(
      parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '),
      USAGE,
    )
  }
  const { source, ...rest } = parsed.data
  return { wire, filter: { ...rest, sourceId: source } }
}

function printInspect(result: InspectResult, json: boolean): void {
  if (json) {
    for (const letter of result.letters) process.stdout.write(JSON.stringify(letter) + '\n')
    return
  }
  if (result.topicMissing) {
    process.stdout.write(`no dead letters yet: ${NO_TOPIC_YET('events.invalid')}\n`)
    return
  }
  const codes = Object.entries(result.byCode)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${n}`)
    .join(', ')
  process.stdout.write(
    `${result.matched} dead letter(s) match (of ${result.scanned} in events.invalid)${codes ? `: ${codes}` : ''}\n`,
  )
  for (const l of result.letters) {
    process.stdout.write(
      `${l.receivedAt}  ${l.sourceId}  ${l.reason.code}  ${describePayload(l.payload)}  (${l.reason.message}; ${l.partition}:${l.offset})\n`,
    )
  }
  if (result.letters.length < result.matched) {
    process.stdout.write(
      `… the latest ${result.letters.length} shown: --limit N for more, --json for the payloads\n`,
    )
  }
}

function printReplay(result: ReplayResult, dryRun: boolean): void {
  if (result.topicMissing) {
    process.stdout.write(`no dead letters to replay: ${NO_TOPIC_YET('events.invalid')}\n`)
    return
  }
  const failing = Object.entries(result.stillFailing)
  const stillFailing = failing.reduce((n, [, c]) => n + c, 0)
  const lines = [
    `${result.read} dead letter(s) read`,
    `${result.passed} now pass${dryRun ? ' (dry run: nothing produced)' : ': produced to events.raw'}`,
    `${stillFailing} still fail${failing.length ? `: ${failing.map(([c, n]) => `${c} ${n}`).join(', ')}` : ''}`,
  ]
  if (result.notReplayable)
    lines.push(`${result.notReplayable} not replayable (no content kept, e.g. SIL_EVENT_NO_CONSENT)`)
  if (result.unknownSource) lines.push(`${result.unknownSource} from sources that no longer exist`)
  if (result.skipped) lines.push(`${result.skipped} not matching the filters, passed over`)
  process.stdout.write(lines.join('\n') + '\n')
}

async function inspect(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(args, {
    name: 'dlq inspect',
    usage: USAGE,
    options: {
      ...FILTER_OPTIONS,
      limit: { type: 'string' },
      json: { type: 'boolean' },
      topic: { type: 'string' },
      destination: { type: 'string' },
    },
  })
  const topic = values.topic ?? 'events'
  if (topic !== 'events' && topic !== 'activation')
    throw new UsageError(`dlq inspect: --topic is events (events.invalid) or activation`, USAGE)
  const limit = intOption(values.limit, 'limit', 20, USAGE)
  // The admin endpoint's bound (admin-ops.route.ts): said here, not as its raw 400.
  if (limit > MAX_INSPECT_LIMIT)
    throw new UsageError(
      `dlq inspect: --limit is at most ${MAX_INSPECT_LIMIT} (use --json and filters for more)`,
      USAGE,
    )
  if (topic === 'activation')
    return inspectActivation({ values, limit, json: values.json ?? false, usage: USAGE })
  if (values.destination !== undefined)
    throw new UsageError('dlq inspect: --destination filters --topic activation', USAGE)
  const { wire, filter } = filterFrom(values)
  const config = loadCliConfig()
  const running =
    config.bus.kind === 'local' ? runningStart(config.dataDir, config.collector.adminToken) : undefined
  if (running) {
    const query = new URLSearchParams({ ...wire, limit: String(limit) })
    const text = await running.call('GET', `/admin/dlq?${query}`, undefined, {
      timeoutMs: DLQ_CALL_TIMEOUT_MS,
    })
    printInspect(JSON.parse(text) as InspectResult, values.json ?? false)
    return
  }
  const bus = openBus(config, 'dlq')
  try {
    printInspect(await inspectDeadLetters(bus, { filter, limit }), values.json ?? false)
  } finally {
    await bus.close()
  }
}

async function replay(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(args, {
    name: 'dlq replay',
    usage: USAGE,
    options: {
      ...FILTER_OPTIONS,
      'dry-run': { type: 'boolean' },
      all: { type: 'boolean' },
      topic: { type: 'string' },
    },
  })
  if (values.topic === 'activation') throw new UsageError(`dlq replay: ${NO_ACTIVATION_REPLAY}`, USAGE)
  if (values.topic !== undefined && values.topic !== 'events')
    throw new UsageError(`dlq replay: --topic is events (events.invalid)`, USAGE)
  const { wire, filter } = filterFrom(values)
  const dryRun = values['dry-run'] ?? false
  const all = values.all ?? false
  const config = loadCliConfig()
  const running =
    config.bus.kind === 'local' ? runningStart(config.dataDir, config.collector.adminToken) : undefined
  if (running) {
    const result = await running.call(
      'POST',
      '/admin/dlq/replay',
      { ...wire, all, dryRun },
      { timeoutMs: DLQ_CALL_TIMEOUT_MS },
    )
    printReplay(JSON.parse(result) as ReplayResult, dryRun)
    return
  }
  const sources = configuredSources(config)
  if (sources.length === 0) {
    throw new Error(
      'dlq replay: no sources configured (SILLAGE_SOURCES, SILLAGE_SOURCES_FILE or the data dir)',
    )
  }
  const bus = openBus(config, 'dlq')
  try {
    const result = await replayDeadLetters(bus, {
      sources,
      maxEventBytes: config.collector.maxEventBytes,
      filter,
      all,
      dryRun,
    })
    printReplay(result, dryRun)
  } finally {
    await bus.close()
  }
}

export const dlqCommand: Command = {
  summary:
    'inspect and replay rejected events (events.invalid); inspect failed deliveries (--topic activation)',
  usage: USAGE,
  subcommands: ['inspect', 'replay'],
  async run(args) {
    const [sub, ...rest] = args
    if (sub === 'inspect') return inspect(rest)
    if (sub === 'replay') return replay(rest)
    throw new UsageError(sub ? `unknown dlq command "${sub}"` : 'dlq: inspect or replay?', USAGE)
  },
}
