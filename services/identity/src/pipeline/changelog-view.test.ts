import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, TOPICS, type Bus } from '@sillage/bus'
import { createLogger } from '@sillage/runtime'
import { VERSION_STRIDE, createIdentityGraph } from '../domain/identity-graph.js'
import { createIdentityRules } from '@sillage/identifiers'
import { encodeDelta } from '../domain/messages.js'
import { createChangelogView, type ChangelogView } from './changelog-view.js'

// The view on a real (local) bus: what it rebuilds from identity.changelog, and what an erasure's
// tombstones take out of it.
const rules = createIdentityRules()
let dir: string
let bus: Bus
let view: ChangelogView
const logs: string[] = []

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sillage-view-'))
  bus = createLocalBus({ dir })
  await bus.ensureTopics(defaultTopicSpecs(1))
  logs.length = 0
  view = createChangelogView({
    bus,
    rules,
    log: createLogger({ level: 'warn', destination: { write: (line: string) => void logs.push(line) } }),
    group: 'view-test',
    syncTimeoutMs: 10_000,
  })
  await view.start()
})
afterEach(async () => {
  await view.stop()
  await bus.close()
  rmSync(dir, { recursive: true, force: true })
})

const src = (offset: number) => ({ topic: 'events.raw', partition: 0, offset })
const ids = (...pairs: Array<[string, string]>) => pairs.map(([type, value]) => ({ type, value }))

describe('changelog view', () => {
  it("applies an erasure's tombstones: the identifiers leave the graph, the rest stays", async () => {
    const resolver = createIdentityGraph(rules)
    const edges = [
      ids(['anonymous_id', 'laptop'], ['email', 'jane@example.com']),
      ids(['user_id', 'u1'], ['anonymous_id', 'phone']),
      ids(['user_id', 'u1'], ['email', 'jane@example.com']),
      ids(['anonymous_id', 'bob-device'], ['user_id', 'bob']),
    ]
    edges.forEach((e, i) =>
      resolver.applyEdge(
        { src: src(i), messageId: `m${i}`, timestamp: '2026-01-01T00:00:00.000Z', ids: e },
        i * VERSION_STRIDE,
      ),
    )
    await bus.produce(TOPICS.changelog, encodeDelta(resolver.drain()))
    await view.syncChangelog()
    const jane = view.graph.personOf('email:jane@example.com')!
    const members = view.graph.membersOf(jane)
    expect(members).toHaveLength(4)
    expect(view.erasures()).toBe(0)

    await bus.produce(
      TOPICS.changelog,
      [...members.map((k) => `i:${k}`), 's:events.raw:0'].map((key) => ({ key, value: Buffer.alloc(0) })),
    )
    await view.syncChangelog()
    for (const k of members) expect(view.graph.personOf(k), k).toBeUndefined()
    expect(view.graph.membersOf(jane)).toEqual([])
    expect(view.erasures()).toBe(4)
    expect(view.graph.personOf('user_id:bob')).toBe(resolver.personOf('user_id:bob'))
    // The tombstone it does not understand is reported without its key (it may name a person).
    expect(logs.join('')).toContain('changelog record not understood')
    expect(logs.join('')).not.toContain('events.raw:0')
  })
})
