import type { Warehouse } from '../warehouse.js'
import { insertRows } from './insert-rows.js'

/** A row of identity_warnings: an identifier value refused at ingest, and why. */
export interface IdentityWarningRow {
  message_id: string
  received_at: string
  source_id: string
  code: string
  id_type: string
  detail: string
}

/** A row of identities: which person an identifier leads to, from `version` on. */
export interface IdentityRow {
  id_type: string
  id_value: string
  person_id: string
  version: number
  updated_at: string
}

/** A row of person_overrides: a person merged into another. */
export interface PersonOverrideRow {
  old_person_id: string
  person_id: string
  version: number
  created_at: string
}

/** A row of identity_merges: the audit of one merge decision. */
export interface IdentityMergeRow {
  merge_id: string
  decision: string
  reason: string
  person_id: string
  other_person_id: string
  id_type: string
  id_value: string
  other_id_type: string
  other_id_value: string
  limit_type: string
  message_id: string
  source_topic: string
  source_partition: number
  source_offset: number
  event_timestamp: string
  version: number
}

/** The tables of the identity context. */
export type IdentityTable = 'identity_warnings' | 'identities' | 'person_overrides' | 'identity_merges'

/**
 * The identity context: the identity graph (identities, person_overrides), its merge audit and
 * the identifier warnings. Each insert is one JSONEachRow insert deduplicated by `token`; it
 * throws on any error (the identity service isolates refused rows around it).
 */
export function createIdentitiesRepository(warehouse: Warehouse) {
  return {
    insertWarnings: (rows: readonly IdentityWarningRow[], token: string) =>
      insertRows(warehouse, 'identity_warnings', rows, token),
    insertIdentities: (rows: readonly IdentityRow[], token: string) =>
      insertRows(warehouse, 'identities', rows, token),
    insertOverrides: (rows: readonly PersonOverrideRow[], token: string) =>
      insertRows(warehouse, 'person_overrides', rows, token),
    insertMerges: (rows: readonly IdentityMergeRow[], token: string) =>
      insertRows(warehouse, 'identity_merges', rows, token),
  }
}

export type IdentitiesRepository = ReturnType<typeof createIdentitiesRepository>
