import { describe, expect, it } from 'vitest'
import { partitionForKey } from '@sillage/bus'
import type { EnrichedEvent } from '@sillage/schemas'
import { enrich, generateShop, type GeneratedShop } from '@sillage/testkit/identity'
import { createIdentityRules } from '@sillage/identifiers'
import { simulate, type SimulationResult } from './simulation.js'

/**
 * ~10,000 generated shoppers (browsers, app installs, shared household computers, accounts,
 * newsletter sign-ups, store purchases with loyalty cards, junk user ids) through the stitcher
 * and the resolver, in memory. The final partition of events into persons must be the
 * generator's ground truth, and must not depend on how many instances processed the log.
 */

const rules = createIdentityRules()

interface Comparison {
  persons: number
  groups: number
  /** Persons holding events of more than one expected group (wrong merges). */
  overMerged: Array<[person: string, groups: string[]]>
  /** Expected groups spread over more than one person (missed links). */
  split: Array<[group: string, persons: string[]]>
}

function compare(shop: GeneratedShop, result: SimulationResult): Comparison {
  const groupsOfPerson = new Map<string, Set<string>>()
  const personsOfGroup = new Map<string, Set<string>>()
  for (const { event, truth } of shop.events) {
    const person = result.resolved(event.messageId)
    const add = (m: Map<string, Set<string>>, k: string, v: string) => {
      let s = m.get(k)
      if (!s) m.set(k, (s = new Set()))
      s.add(v)
    }
    add(groupsOfPerson, person, truth.expected)
    add(personsOfGroup, truth.expected, person)
  }
  return {
    persons: groupsOfPerson.size,
    groups: personsOfGroup.size,
    overMerged: [...groupsOfPerson].filter(([, g]) => g.size > 1).map(([p, g]) => [p, [...g]]),
    split: [...personsOfGroup].filter(([, p]) => p.size > 1).map(([g, p]) => [g, [...p]]),
  }
}

describe('stitching 10,000 generated shoppers', () => {
  const shop = generateShop({ seed: 2026, shoppers: 10_000 })
  const events = shop.events.map((g) => enrich(g.event) as unknown as EnrichedEvent)
  const base = { rules, partitions: 8, partitionOf: partitionForKey, batchSize: 500 }
  let single: SimulationResult

  it('the generator covers every identity situation', () => {
    const channels = new Set(shop.events.map((e) => e.truth.channel))
    expect([...channels].sort()).toEqual(['app', 'store', 'web'])
    expect(shop.events.length).toBeGreaterThan(80_000)
    const shared = shop.events.filter((e) => e.truth.device?.startsWith('home-'))
    expect(shared.some((e) => `shopper:${e.truth.shopperId}` !== e.truth.expected)).toBe(true)
    expect(shop.events.some((e) => e.event.type === 'identify' && !e.event['userId'])).toBe(true) // newsletters
    expect(
      shop.events.some((e) => e.truth.channel === 'store' && e.truth.expected.startsWith('shopper:')),
    ).toBe(true)
  })

  it('one instance: every event ends with the person the ground truth expects', () => {
    single = simulate(events, { ...base, seed: 1 })
    const c = compare(shop, single)
    expect(c.overMerged.slice(0, 5)).toEqual([])
    expect(c.split.slice(0, 5)).toEqual([])
    expect(c.persons).toBe(c.groups)
    expect(single.audit.some((a) => a.reason === 'shared_device')).toBe(true)
    expect(single.audit.some((a) => a.decision === 'merge')).toBe(true)
  })

  it('three instances, lagging views, failed batches and rebalances: the same person for every event', () => {
    const multi = simulate(events, {
      ...base,
      seed: 99,
      instances: 3,
      viewLag: 2_000,
      failureRate: 0.05,
      rebalanceRate: 0.02,
    })
    let differ = 0
    for (const e of events) if (multi.resolved(e.messageId) !== single.resolved(e.messageId)) differ++
    expect(differ).toBe(0)
    expect(compare(shop, multi).overMerged).toEqual([])
  })
})

describe('junk userIds', () => {
  /** Placeholders real shops send as a userId when nobody is signed in, from many unrelated shoppers. */
  const JUNK = ['0', 'null', 'undefined', 'anonymous', 'guest', 'N/A', '', '-1', '[object Object]']

  it('junk userIds sent by unrelated shoppers merge nobody', () => {
    // Every shopper's browser runs the buggy integration: while nobody is signed in, its identify
    // (newsletter) and track/page calls carry a junk userId. The generator draws the junk from its
    // own list; each shopper gets one of JUNK instead, in turn, so every value has many senders.
    const shop = generateShop({ seed: 7, shoppers: 400, mix: { junkUserId: 1 } })
    const junkOf = new Map<string, { drawn: string; sent: string }>()
    for (const s of shop.shoppers) {
      if (s.junkUserId !== undefined)
        junkOf.set(s.id, { drawn: s.junkUserId, sent: JUNK[junkOf.size % JUNK.length]! })
    }
    const sentJunk = new Set<string>()
    for (const { event, truth } of shop.events) {
      const junk = junkOf.get(truth.shopperId)
      if (junk && event['userId'] === junk.drawn) {
        event['userId'] = junk.sent
        sentJunk.add(event.messageId)
      }
    }
    const junkEvents = shop.events.filter((e) => sentJunk.has(e.event.messageId))
    const result = simulate(
      shop.events.map((g) => enrich(g.event) as unknown as EnrichedEvent),
      { rules, partitions: 8, partitionOf: partitionForKey, batchSize: 100, seed: 3 },
    )

    // The scenario holds what it claims: every junk value, from several shoppers, on identify and track.
    for (const value of JUNK) {
      const senders = new Set(
        junkEvents.filter((e) => e.event['userId'] === value).map((e) => e.truth.shopperId),
      )
      expect(senders.size, `shoppers sending userId ${JSON.stringify(value)}`).toBeGreaterThan(20)
    }
    expect(junkEvents.some((e) => e.event.type === 'identify')).toBe(true)
    expect(junkEvents.some((e) => e.event.type === 'track')).toBe(true)

    // Merge nobody: the persons holding junk events are exactly as many as the ground truth's
    // groups among them (one per shopper, save shared household computers), and none holds two.
    const groupsOfPerson = new Map<string, Set<string>>()
    for (const { event, truth } of junkEvents) {
      const person = result.resolved(event.messageId)
      expect(person, `person of junk event ${event.messageId}`).not.toBe('')
      groupsOfPerson.set(person, (groupsOfPerson.get(person) ?? new Set()).add(truth.expected))
    }
    const groups = new Set(junkEvents.map((e) => e.truth.expected))
    expect(groupsOfPerson.size).toBe(groups.size)
    expect(groups.size).toBeGreaterThan(250)
    expect([...groupsOfPerson.values()].filter((g) => g.size > 1)).toEqual([])

    // A real userId still stitches: a shopper's junk-carrying anonymous events and the events they
    // send once signed in are one person.
    const personOfUser = new Map<string, string>()
    for (const { event, truth } of shop.events) {
      if (!sentJunk.has(event.messageId) && typeof event['userId'] === 'string')
        personOfUser.set(truth.expected, result.resolved(event.messageId))
    }
    const stitched = junkEvents.filter(
      (e) => personOfUser.get(e.truth.expected) === result.resolved(e.event.messageId),
    )
    expect(new Set(stitched.map((e) => e.truth.shopperId)).size).toBeGreaterThan(100)
    const c = compare(shop, result)
    expect(c.overMerged.slice(0, 5)).toEqual([])
    expect(c.split.slice(0, 5)).toEqual([])
  })
})
