import { describe, expect, it } from 'vitest'
import type { ImportSummary } from '@sillage/imports'
import { formatSummary } from './import-summary.js'

const summary = (over: Partial<ImportSummary>): ImportSummary =>
  ({
    kind: 'contacts',
    imported: 10,
    events: 19,
    refused: 0,
    partlyRefused: 0,
    rows: 10,
    resumedFrom: 0,
    elapsedMs: 2000,
    rejectedFile: '/data/contacts.csv.rejected.ndjson',
    ...over,
  }) as ImportSummary

describe('sillage import: the summary line', () => {
  it('names the rows partly refused and points to the rejected file for them', () => {
    const line = formatSummary(summary({ partlyRefused: 1 }))
    expect(line).toContain('10 rows imported (19 events accepted), 0 refused, 1 partly refused')
    expect(line).toContain('(see /data/contacts.csv.rejected.ndjson)')
  })

  it('says nothing of partial refusals, nor of the rejected file, when every row landed whole', () => {
    const line = formatSummary(summary({}))
    expect(line).toBe(
      'contacts: 10 rows imported (19 events accepted), 0 refused, 10 rows in the file; 2.0 s (5 rows/s)\n',
    )
  })
})
