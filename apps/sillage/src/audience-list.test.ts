import { describe, expect, it } from 'vitest'
import { mergeDefinitions, parseActivationFile } from '@sillage/activation'
import { audienceLines, audienceLinesFromAdminApi } from './audience-list.js'

const merged = mergeDefinitions(
  parseActivationFile(
    JSON.stringify({
      destinations: [{ id: 'hook', type: 'file', directory: 'out' }],
      audiences: [{ id: 'dormant', name: 'Dormant', rule: 'rfm_segment = dormant', destinations: ['hook'] }],
    }),
  ),
  [
    {
      id: 'big',
      version: 2,
      definition: { id: 'big', sql: 'SELECT person_id FROM sillage.persons' },
      deleted: false,
      updatedAt: '2026-12-01T10:00:00.000Z',
    },
    {
      id: 'dormant',
      version: 1,
      definition: { id: 'dormant', rule: 'orders > 1' },
      deleted: false,
      updatedAt: '2026-12-01T09:00:00.000Z',
    },
  ],
)

const expected = [
  { id: 'dormant', name: 'Dormant', rule: 'rfm_segment = dormant', destinations: ['hook'], source: 'file' },
  {
    id: 'big',
    name: 'big',
    sql: 'SELECT person_id FROM sillage.persons',
    destinations: [],
    source: 'api',
    version: 2,
    updatedAt: '2026-12-01T10:00:00.000Z',
  },
  {
    id: 'dormant',
    name: 'dormant',
    rule: 'orders > 1',
    destinations: [],
    source: 'api',
    version: 1,
    updatedAt: '2026-12-01T09:00:00.000Z',
    skipped: 'shadowed',
  },
]

describe('sillage audiences list lines', () => {
  it('lists the file audiences, then the API ones with their version, then those left out', () => {
    expect(audienceLines(merged)).toEqual(expected)
  })

  it("reads a running start's GET /admin/audiences to the same lines", () => {
    const body = {
      audiences: [
        { ...expected[0], origin: 'file', readOnly: true, evaluation: 'schedule' },
        { ...expected[2], origin: 'api', readOnly: false, shadowed: true, valid: false },
        { ...expected[1], origin: 'api', readOnly: false, shadowed: false, evaluation: 'schedule' },
      ],
    }
    expect(audienceLinesFromAdminApi(body)).toEqual(expected)
  })
})
