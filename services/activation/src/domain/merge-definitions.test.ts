import { describe, expect, it } from 'vitest'
import { parseActivationFile } from './activation-file.js'
import { mergeDefinitions, type StoredAudience } from './merge-definitions.js'

const file = parseActivationFile(
  JSON.stringify({
    destinations: [{ id: 'hook', type: 'webhook', url: 'https://crm.example/hook' }],
    audiences: [{ id: 'dormant', rule: 'rfm_segment = dormant', destinations: ['hook'] }],
  }),
)
const stored = (id: string, definition: Record<string, unknown>, extra: Partial<StoredAudience> = {}) => ({
  id,
  version: 3,
  definition: { id, ...definition },
  deleted: false,
  updatedAt: '2026-12-01T10:00:00.000Z',
  ...extra,
})

describe('mergeDefinitions', () => {
  it("puts the API's audiences after the file's, parsed, with their origin and version", () => {
    const merged = mergeDefinitions(file, [stored('buyers', { rule: 'orders >= 5', destinations: ['hook'] })])
    expect(merged.audiences.map((a) => a.id)).toEqual(['dormant', 'buyers'])
    expect(merged.audiences[1]?.ast).toBeDefined()
    expect(merged.origins.get('dormant')).toEqual({ source: 'file' })
    expect(merged.origins.get('buyers')).toEqual({
      source: 'api',
      version: 3,
      updatedAt: '2026-12-01T10:00:00.000Z',
    })
    expect(merged.destinations).toBe(file.destinations)
    expect(merged.skipped).toEqual([])
  })

  it('drops deleted API audiences; the file wins an id; an invalid one is skipped with its error', () => {
    const merged = mergeDefinitions(file, [
      stored('gone', { rule: 'orders >= 1' }, { deleted: true }),
      stored('dormant', { rule: 'orders >= 1' }),
      stored('orphan', { rule: 'orders >= 1', destinations: ['removed'] }),
    ])
    expect(merged.audiences.map((a) => a.id)).toEqual(['dormant'])
    expect(merged.audiences[0]?.rule).toBe('rfm_segment = dormant')
    expect(merged.origins.get('dormant')).toEqual({ source: 'file' })
    expect(merged.skipped.map((s) => [s.stored.id, s.reason])).toEqual([
      ['dormant', 'shadowed'],
      ['orphan', 'invalid'],
    ])
    expect(merged.skipped[1]?.error?.message).toContain('unknown destination removed')
  })
})
