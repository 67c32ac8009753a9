import { runningStart } from '../admin-client.js'
import { loadCliConfig } from '../config.js'
import {
  activationFilterSchema,
  inspectActivationDeadLetters,
  type ActivationInspectResult,
} from '../dlq/activation-dead-letters.js'
import { DLQ_CALL_TIMEOUT_MS } from '../dlq/dlq-ops.js'
import { openBus } from '../open-bus.js'
import { UsageError } from './command.js'

/** Why `dlq replay --topic activation` is refused (said by the command and in docs/operations.md). */
export const NO_ACTIVATION_REPLAY =
  'activation dead letters are not replayed: a letter holds a batch as it was built, and sending it ' +
  'again would skip the consent and erasure checks of today (see docs/operations.md)'

/**
 * A dead-letter topic not created yet is no dead letters, exit 0 (decision, docs/operations.md):
 * what was asked has a plain answer, as Segment's and RudderStack's tools show an empty list.
 */
export const NO_TOPIC_YET = (topic: string): string =>
  `${topic} does not exist (it is created by the first \`sillage start\` on this data dir, or by the services on Kafka); nothing has been dead-lettered`

export function printActivationInspect(result: ActivationInspectResult, json: boolean): void {
  if (json) {
    for (const letter of result.letters) process.stdout.write(JSON.stringify(letter) + '\n')
    return
  }
  if (result.topicMissing) {
    process.stdout.write(`no dead letters yet: ${NO_TOPIC_YET('activation.deadletters')}\n`)
    return
  }
  const destinations = Object.entries(result.byDestination)
    .sort((a, b) => b[1] - a[1])
    .map(([d, n]) => `${d} ${n}`)
    .join(', ')
  process.stdout.write(
    `${result.matched} dead letter(s) match, ${result.items} item(s) (of ${result.scanned} in activation.deadletters)` +
      `${destinations ? `: ${destinations}` : ''}\n`,
  )
  for (const l of result.letters) {
    process.stdout.write(
      `${l.at}  ${l.destination}  ${l.reason}  ${l.items.length} item(s)  (${l.attempts} attempt(s); batch ${l.batch_key.slice(0, 12)}; ${l.partition}:${l.offset})\n`,
    )
  }
  if (result.letters.length < result.matched) {
    process.stdout.write(
      `… the latest ${result.letters.length} shown: --limit N for more, --json for the items\n`,
    )
  }
}

/**
 * `sillage dlq inspect --topic activation`: the deliveries dead-lettered to activation.deadletters,
 * through the running start's admin API when it owns the local log, else read here.
 */
export async function inspectActivation(opts: {
  values: Record<string, unknown>
  limit: number
  json: boolean
  usage: string
}): Promise<void> {
  for (const name of ['source', 'code'])
    if (opts.values[name] !== undefined)
      throw new UsageError(
        `dlq inspect: --${name} filters events.invalid, not --topic activation`,
        opts.usage,
      )
  const wire: Record<string, string> = {}
  for (const name of ['destination', 'since', 'until']) {
    const v = opts.values[name]
    if (typeof v === 'string') wire[name] = v
  }
  const parsed = activationFilterSchema.safeParse(wire)
  if (!parsed.success)
    throw new UsageError(
      parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '),
      opts.usage,
    )
  const config = loadCliConfig()
  const running =
    config.bus.kind === 'local' ? runningStart(config.dataDir, config.collector.adminToken) : undefined
  if (running) {
    const query = new URLSearchParams({ ...wire, limit: String(opts.limit) })
    const text = await running.call('GET', `/admin/dlq/activation?${query}`, undefined, {
      timeoutMs: DLQ_CALL_TIMEOUT_MS,
    })
    printActivationInspect(JSON.parse(text) as ActivationInspectResult, opts.json)
    return
  }
  const bus = openBus(config, 'dlq')
  try {
    printActivationInspect(
      await inspectActivationDeadLetters(bus, { filter: parsed.data, limit: opts.limit }),
      opts.json,
    )
  } finally {
    await bus.close()
  }
}
