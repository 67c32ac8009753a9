import { describe, expect, it } from 'vitest'
import { createIdentityGraph } from './identity-graph.js'
import { createIdentityRules } from '@sillage/identifiers'
import {
  decodeChangelog,
  decodeEdge,
  encodeChangelogBarrier,
  encodeDelta,
  encodeEdge,
  encodeEdgeBarrier,
} from './messages.js'

describe('identity.edges and identity.changelog messages', () => {
  it('round-trips an edge and a barrier', () => {
    const edge = {
      src: { topic: 't.events.raw', partition: 3, offset: 42 },
      messageId: 'm1',
      timestamp: '2026-01-01T00:00:00.000Z',
      ids: [
        { type: 'user_id', value: 'u:1' },
        { type: 'anonymous_id', value: 'a1' },
      ],
      login: { anonymous: 'a1', user: 'u:1' },
    }
    expect(decodeEdge(encodeEdge(edge))).toEqual({ kind: 'edge', edge })
    expect(decodeEdge(encodeEdgeBarrier('n1'))).toEqual({ kind: 'barrier', nonce: 'n1' })
    const b = encodeChangelogBarrier('n2')
    expect(decodeChangelog(b.key, b.value)).toEqual({ kind: 'barrier', nonce: 'n2' })
  })

  it('round-trips a delta into records with identifier values that contain ":"', () => {
    const g = createIdentityGraph(createIdentityRules())
    g.applyEdge(
      {
        src: { topic: 'events.raw', partition: 1, offset: 7 },
        messageId: 'm',
        timestamp: '2026-01-01T00:00:00.000Z',
        ids: [
          { type: 'user_id', value: 'tenant:42' },
          { type: 'anonymous_id', value: 'a:b' },
        ],
        login: { anonymous: 'a:b', user: 'tenant:42' },
      },
      7168,
    )
    const records = encodeDelta(g.drain()).map((r) => decodeChangelog(r.key, r.value))
    expect(records).toContainEqual(expect.objectContaining({ kind: 'identity', key: 'anonymous_id:a:b' }))
    expect(records).toContainEqual({
      kind: 'source',
      topic: 'events.raw',
      partition: 1,
      offset: 7,
      version: 7168,
    })
  })

  it("reads an erasure's tombstones (empty values) as the graph records that forget", () => {
    expect(decodeChangelog('i:email:a:b', Buffer.alloc(0))).toEqual({
      kind: 'identity-erased',
      key: 'email:a:b',
    })
    expect(decodeChangelog('o:p-1', Buffer.alloc(0))).toEqual({ kind: 'override-erased', oldPersonId: 'p-1' })
    expect(decodeChangelog('s:events.raw:0', Buffer.alloc(0))).toBeUndefined()
  })

  it('skips what it does not understand', () => {
    expect(decodeEdge(Buffer.from('{"k":"future"}'))).toBeUndefined()
    expect(decodeEdge(Buffer.from('not json'))).toBeUndefined()
    expect(decodeChangelog('x:y', Buffer.from('{"v":1}'))).toBeUndefined()
    expect(decodeChangelog(null, Buffer.from('{}'))).toBeUndefined()
  })
})
