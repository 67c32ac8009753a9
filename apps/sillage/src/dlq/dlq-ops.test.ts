import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  consumeToEnd,
  createLocalBus,
  defaultTopicSpecs,
  TOPICS,
  type Bus,
  type BusRecord,
} from '@sillage/bus'
import { ingestItems } from '@sillage/collector'
import { sourcesSchema } from '@sillage/schemas'
import { inspectActivationDeadLetters } from './activation-dead-letters.js'
import { inspectDeadLetters, replayDeadLetters, REPLAY_GROUP } from './dlq-ops.js'

// Dead letters written exactly as the collector writes them (ingestItems), on a real local log.
const sources = sourcesSchema.parse([
  { id: 'web', writeKey: 'wk_browser_0123456789', type: 'browser', consent: { required: 'analytics' } },
  { id: 'backend', writeKey: 'sk_server_0123456789', type: 'server' },
])
const big = 'x'.repeat(1500)

let dir: string
let bus: Bus
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sillage-dlq-'))
  bus = createLocalBus({ dir })
  await bus.ensureTopics(defaultTopicSpecs(2))
})
afterEach(async () => {
  await bus.close()
  rmSync(dir, { recursive: true, force: true })
})

/** What the collector produces for one request from `sourceId` with a 1 KB event limit. */
async function ingest(sourceId: string, items: unknown[], receivedAt = Date.parse('2026-02-01T10:00:00Z')) {
  const result = ingestItems(items, {
    receivedAt,
    sourceId,
    newMessageId: () => 'never-used-here',
    maxEventBytes: 1024,
    requiredConsent: sources.find((s) => s.id === sourceId)?.consent.required,
  })
  await bus.produce(TOPICS.invalid, result.deadLetters)
  return result
}

async function rawRecords(): Promise<BusRecord[]> {
  const records: BusRecord[] = []
  await consumeToEnd(bus, {
    topic: TOPICS.raw,
    group: `check-${Math.random()}`,
    commit: false,
    eachBatch: async (b) => void records.push(...b.records),
  })
  return records
}

describe('dlq', () => {
  beforeEach(async () => {
    await ingest('backend', [
      { type: 'track', event: 'Big Order', anonymousId: 'a1', messageId: 'big-1', properties: { note: big } },
      { type: 'track', event: 'Too Big Anonymous', userId: 'u1', properties: { note: big } },
      { type: 'track', event: 42, anonymousId: 'a2', messageId: 'bad-type' },
    ])
    await ingest(
      'web',
      [{ type: 'page', anonymousId: 'a3', messageId: 'no-consent', properties: { secret: 'kept out' } }],
      Date.parse('2026-02-02T10:00:00Z'),
    )
  })

  it('inspect lists the dead letters with their reasons, filtered, and moves no offset', async () => {
    const all = await inspectDeadLetters(bus, { filter: {}, limit: 10 })
    expect(all).toMatchObject({
      scanned: 4,
      matched: 4,
      byCode: { SIL_EVENT_TOO_LARGE: 2, SIL_EVENT_SCHEMA: 1, SIL_EVENT_NO_CONSENT: 1 },
    })
    expect(all.letters.map((l) => l.reason.code)).toEqual([
      'SIL_EVENT_TOO_LARGE',
      'SIL_EVENT_TOO_LARGE',
      'SIL_EVENT_SCHEMA',
      'SIL_EVENT_NO_CONSENT',
    ])
    // The consent refusal kept no content.
    expect(JSON.stringify(all.letters[3]?.payload)).not.toContain('kept out')

    const schema = await inspectDeadLetters(bus, { filter: { code: 'SIL_EVENT_SCHEMA' }, limit: 10 })
    expect(schema.letters.map((l) => l.payload)).toEqual([
      { type: 'track', event: 42, anonymousId: 'a2', messageId: 'bad-type' },
    ])
    const since = await inspectDeadLetters(bus, {
      filter: { since: Date.parse('2026-02-02T00:00:00Z') },
      limit: 10,
    })
    expect(since.letters.map((l) => l.sourceId)).toEqual(['web'])
    const latest = await inspectDeadLetters(bus, { filter: { sourceId: 'backend' }, limit: 1 })
    expect(latest).toMatchObject({ matched: 3, letters: [{ reason: { code: 'SIL_EVENT_SCHEMA' } }] })
    // No group committed anything (the local log keeps one offsets file per committing group).
    expect(readdirSync(join(dir, '__offsets'))).toEqual([])
  })

  it('replay produces what passes today, reports what still fails, and does not send twice', async () => {
    const dry = await replayDeadLetters(bus, { sources, maxEventBytes: 32 * 1024, dryRun: true })
    expect(dry.passed).toBe(2)
    expect(await rawRecords()).toHaveLength(0)
    expect((await bus.offsets(TOPICS.invalid, REPLAY_GROUP))[0]?.committed).toBeNull()

    // With the limit raised from 1 KB to 32 KB, the two large events now pass.
    const first = await replayDeadLetters(bus, { sources, maxEventBytes: 32 * 1024 })
    expect(first).toEqual({
      read: 4,
      passed: 2,
      stillFailing: { SIL_EVENT_SCHEMA: 1 },
      notReplayable: 1,
      unknownSource: 0,
      skipped: 0,
    })
    const raw = await rawRecords()
    const events = raw.map((r) => JSON.parse(r.value.toString()) as Record<string, unknown>)
    expect(events.map((e) => [e['event'], e['sourceId'], e['receivedAt']])).toEqual(
      expect.arrayContaining([
        ['Big Order', 'backend', '2026-02-01T10:00:00.000Z'],
        ['Too Big Anonymous', 'backend', '2026-02-01T10:00:00.000Z'],
      ]),
    )
    expect(events.find((e) => e['event'] === 'Big Order')?.['messageId']).toBe('big-1')
    const derivedId = events.find((e) => e['event'] === 'Too Big Anonymous')?.['messageId']
    expect(derivedId).toMatch(/^dlq-[0-9a-f]{32}$/)
    // Keyed like the collector keys them (anonymousId, else userId).
    expect(raw.map((r) => r.key).sort()).toEqual(['a1', 'u1'])

    // Idempotent: the replay group remembers; nothing is read or sent again.
    expect(await replayDeadLetters(bus, { sources, maxEventBytes: 32 * 1024 })).toMatchObject({
      read: 0,
      passed: 0,
    })
    expect(await rawRecords()).toHaveLength(2)

    // --all rereads everything; the copies carry the same messageIds (identity drops them).
    const again = await replayDeadLetters(bus, { sources, maxEventBytes: 32 * 1024, all: true })
    expect(again).toMatchObject({ read: 4, passed: 2 })
    const after = (await rawRecords()).map(
      (r) => (JSON.parse(r.value.toString()) as { messageId: string }).messageId,
    )
    expect(new Set(after)).toEqual(new Set(['big-1', derivedId]))
  })

  it('replay counts an erased person’s letters as not replayable, not as still failing', async () => {
    // The collector refuses an event of an erased person and keeps only its shape.
    const refused = ingestItems(
      [
        { type: 'track', event: 'Order Completed', userId: 'erased-1', properties: { total: 5 } },
        { type: 'alias', previousId: 'erased-anon', userId: 'erased-1' },
      ],
      {
        receivedAt: Date.parse('2026-02-03T10:00:00Z'),
        sourceId: 'backend',
        newMessageId: () => 'never-used-here',
        maxEventBytes: 32 * 1024,
        isSuppressed: () => true,
      },
    )
    await bus.produce(TOPICS.invalid, refused.deadLetters)
    const result = await replayDeadLetters(bus, { sources, maxEventBytes: 32 * 1024, dryRun: true })
    expect(result).toEqual({
      read: 6,
      passed: 2,
      stillFailing: { SIL_EVENT_SCHEMA: 1 },
      notReplayable: 3,
      unknownSource: 0,
      skipped: 0,
    })
  })

  it('replay passes over letters outside the filter and still fails them with today’s limit', async () => {
    const result = await replayDeadLetters(bus, {
      sources,
      maxEventBytes: 1024,
      filter: { code: 'SIL_EVENT_TOO_LARGE' },
    })
    expect(result).toMatchObject({ read: 4, passed: 0, stillFailing: { SIL_EVENT_TOO_LARGE: 2 }, skipped: 2 })
    expect(await rawRecords()).toHaveLength(0)
  })
})

describe('dlq on a fresh data dir (no topic yet)', () => {
  it('inspect and replay find no dead letters, instead of failing on an unknown topic', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'sillage-dlq-fresh-'))
    const empty = createLocalBus({ dir: fresh })
    try {
      expect(await inspectDeadLetters(empty, { filter: {}, limit: 10 })).toEqual({
        scanned: 0,
        matched: 0,
        byCode: {},
        letters: [],
        topicMissing: true,
      })
      expect(await replayDeadLetters(empty, { sources, maxEventBytes: 1024 })).toMatchObject({
        read: 0,
        passed: 0,
        topicMissing: true,
      })
      expect(
        await inspectActivationDeadLetters(empty, { filter: {}, limit: 10 }).then((r) => r.topicMissing),
      ).toBe(true)
    } finally {
      await empty.close()
      rmSync(fresh, { recursive: true, force: true })
    }
  })
})
