import type { Logger } from '@sillage/runtime'
import type { PrivacyRepository } from '@sillage/warehouse'
import { AdminError } from '../errors.js'
import { buildExportDocument, type ExportDocument } from '../domain/export-document.js'
import { scopeOf, type Subject } from '../domain/subject.js'

/** The export's row cap (docs/privacy.md#export-size): the document is built in memory. */
export const DEFAULT_MAX_EXPORT_ROWS = 100_000

/**
 * Access and portability (GDPR art. 15 and 20): a subject's export, built from every table that
 * names them (the privacy service's export). Refused above `maxExportRows` rows, counted before
 * any is read, since the document is built in memory.
 */
export function createSubjectExport(deps: {
  store: PrivacyRepository
  log: Logger
  now: () => number
  maxExportRows: number
}): (subject: Subject) => Promise<ExportDocument> {
  const { store, log, now, maxExportRows } = deps
  return async function exportOf(subject: Subject): Promise<ExportDocument> {
    const { persons, identifiers } = await store.resolve(subject)
    // Jobs' working rows (Memory tables) copy what the stored tables hold: erased, not exported.
    const targets = (await store.tables()).filter((t) => !t.transient)
    const scope = scopeOf(persons, identifiers)
    // Counted before anything is read: the document is built in memory.
    const counts = await store.count(targets, scope)
    const total = Object.values(counts).reduce((a, b) => a + b, 0)
    if (total > maxExportRows) {
      log.warn({ rows: total, maxExportRows }, 'export refused: above the row cap')
      throw new AdminError('SIL_PRIVACY_EXPORT_TOO_LARGE')
    }
    // Events first: rows keyed only by a message id (message_ids, warnings) are of those events.
    const events = targets.find((t) => t.table === 'events')
    const tables = events ? await store.exportRows([events], scope) : {}
    scope.messages = (tables['events'] ?? []).map((r) => String(r['message_id']))
    Object.assign(
      tables,
      await store.exportRows(
        targets.filter((t) => t !== events),
        scope,
      ),
    )
    if (persons.length === 0 && Object.keys(tables).length === 0) {
      throw new AdminError('SIL_PRIVACY_SUBJECT_NOT_FOUND')
    }
    return buildExportDocument({
      subject,
      generatedAt: new Date(now()).toISOString(),
      persons,
      identifiers,
      tables,
      profile: await store.viewRows('persons', persons),
      consentHistory: await store.viewRows('consent_events', persons, 'timestamp, message_id'),
      consentCurrent: await store.viewRows('consent_current', persons),
    })
  }
}
