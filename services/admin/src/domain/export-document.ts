import type { Identifier } from '@sillage/identifiers'
import type { Subject } from './subject.js'

type Row = Record<string, unknown>

/** Columns that hold JSON text: exported as JSON, not as strings of JSON. */
const JSON_COLUMNS = new Set(['properties', 'traits', 'context', 'consent'])

function parseJsonColumns(row: Row): Row {
  const out: Row = { ...row }
  for (const column of JSON_COLUMNS) {
    const v = out[column]
    if (typeof v !== 'string' || v === '') continue
    try {
      out[column] = JSON.parse(v) as unknown
    } catch {
      // Not JSON after all: kept as the text it is.
    }
  }
  return out
}

export interface ExportInput {
  subject: Subject
  generatedAt: string
  persons: string[]
  identifiers: Identifier[]
  /** The person's rows per table (export predicate). */
  tables: Record<string, Row[]>
  /** Rows of the persons view (profile: first/last seen, traits), when it exists. */
  profile?: Row[] | undefined
  consentHistory?: Row[] | undefined
  consentCurrent?: Row[] | undefined
}

/**
 * Access and portability (GDPR art. 15 and 20): everything held about a person as one JSON
 * document. Events, identities and every other table's rows; emails and phones appear in the
 * hashed form they are stored in (the raw values are not kept). Pure.
 */
export function buildExportDocument(input: ExportInput) {
  const { events = [], identities = [], ...other } = input.tables
  return {
    format: 'sillage.export.v1',
    generatedAt: input.generatedAt,
    subject:
      input.subject.kind === 'person'
        ? { type: 'person_id', value: input.subject.personId }
        : { type: input.subject.id.type, value: input.subject.id.value },
    personIds: input.persons,
    identifiers: input.identifiers,
    profile: (input.profile ?? []).map(parseJsonColumns),
    consent: {
      current: input.consentCurrent ?? [],
      history: input.consentHistory ?? [],
    },
    events: events.map(parseJsonColumns),
    identities,
    /** Every other table holding rows about the person (derived models, identity audit…). */
    tables: Object.fromEntries(Object.entries(other).map(([t, rows]) => [t, rows.map(parseJsonColumns)])),
  }
}

export type ExportDocument = ReturnType<typeof buildExportDocument>
