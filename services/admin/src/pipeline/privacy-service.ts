import { randomUUID } from 'node:crypto'
import { TOPICS, type Bus } from '@sillage/bus'
import type { Logger } from '@sillage/runtime'
import { suppressionKey, type Identifier, type SuppressionList } from '@sillage/identifiers'
import type { DeletionRequestRow, PrivacyRepository } from '@sillage/warehouse'
import { AdminError } from '../errors.js'
import { measured, type AdminMetrics } from '../metrics.js'
import type { ExportDocument } from '../domain/export-document.js'
import { rawValuesOf, scrubError } from '../domain/scrub-error.js'
import {
  idKey,
  scopeOf,
  toSubject,
  type Normalise,
  type Subject,
  type SubjectRequest,
} from '../domain/subject.js'
import { waitForIdentity } from './identity-drain.js'
import { createSubjectExport, DEFAULT_MAX_EXPORT_ROWS } from './privacy-export.js'
import { createSuppressor } from './privacy-suppress.js'

export interface PrivacyServiceDeps {
  store: PrivacyRepository
  bus: Bus
  log: Logger
  /** Identity's normalisation of identifiers (@sillage/identifiers identifierNormaliser with identity's rules). */
  normalise: Normalise
  /**
   * This process's suppression list, when the collector and identity run in it (`sillage start`):
   * updated at once, before anything is deleted. Elsewhere they follow privacy.suppressions.
   */
  suppressions?: SuppressionList | undefined
  /**
   * In `sillage start`: resolves once the jobs in flight that may have read the person before the
   * suppression (the profiles' refresh and scoring runs) have ended; what they wrote back is then
   * deleted too, before the erasure returns. Elsewhere the profiles service's sweep removes it.
   */
  jobsInFlight?: (() => Promise<void>) | undefined
  /** Identity's consumer group of events.raw (SILLAGE_IDENTITY_GROUP). Default identity. */
  identityGroup?: string
  /** How long an erasure waits for identity to consume what was produced before it. Default 30 s. */
  drainTimeoutMs?: number
  /**
   * The most rows an export holds (every table, counted before any is read): above it the export
   * is refused with SIL_PRIVACY_EXPORT_TOO_LARGE rather than built in memory. Default
   * DEFAULT_MAX_EXPORT_ROWS.
   */
  maxExportRows?: number
  /** The service's metrics (metrics.ts): absent, nothing is counted. */
  metrics?: AdminMetrics | undefined
  now?: () => number
}

export interface ErasureReport {
  requestId: string
  status: 'completed'
  requestedAt: string
  completedAt: string
  persons: number
  identifiers: number
  /** Rows deleted per table. */
  deletedRows: Record<string, number>
  /** False when identity did not catch up within drainTimeoutMs (it was down, or far behind). */
  identityDrained: boolean
}

/** Rounds of resolve → suppress → drain: the second finds identifiers that arrived meanwhile. */
const MAX_SUPPRESSION_ROUNDS = 3
const EMPTY = Buffer.alloc(0)
/** Request ids are UUIDs (randomUUID): anything else is not one, without asking the store. */
const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * The privacy operations behind /admin/privacy/*: erasure, access/portability export and the
 * consent audit. See docs/privacy.md.
 */
export function createPrivacyService(deps: PrivacyServiceDeps) {
  const log = deps.log.child({ component: 'privacy' })
  const now = deps.now ?? Date.now
  const drainIdentity = () =>
    waitForIdentity({
      bus: deps.bus,
      group: deps.identityGroup ?? 'identity',
      timeoutMs: deps.drainTimeoutMs ?? 30_000,
      now,
      log,
    })
  let lastVersion = 0
  const nextVersion = () => (lastVersion = Math.max(now(), lastVersion + 1))
  const iso = (ms: number) => new Date(ms).toISOString()
  const suppress = createSuppressor({ ...deps, now })
  const exportOf = createSubjectExport({
    store: deps.store,
    log,
    now,
    maxExportRows: deps.maxExportRows ?? DEFAULT_MAX_EXPORT_ROWS,
  })
  /** Erasures running, by subject key: the same erasure asked again meanwhile joins the one running. */
  const erasing = new Map<string, Promise<ErasureReport>>()

  /**
   * Runs a request's work; an unexpected error is rethrown as SIL_INTERNAL with its cause scrubbed
   * of the request's raw values (scrub-error.ts), so that logging it never logs them.
   */
  async function guarded<T>(request: SubjectRequest, work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (cause) {
      if (cause instanceof AdminError) throw cause
      throw new AdminError('SIL_INTERNAL', { cause: scrubError(cause, rawValuesOf(request)) })
    }
  }

  function subjectOf(request: SubjectRequest): Subject {
    const subject = toSubject(request, deps.normalise)
    if (!subject) throw new AdminError('SIL_PRIVACY_IDENTIFIER_INVALID')
    return subject
  }

  const service = {
    /**
     * Erases a person: resolves every id and identifier they have, suppresses the identifiers
     * (privacy.suppressions + the suppressions table), waits for identity to drain events.raw,
     * deletes their rows from every table that names them, writes tombstones for their identifiers
     * to identity.changelog, and records the request and its completion in deletion_requests.
     * Idempotent: running it again finds nothing more to delete.
     */
    async erase(request: SubjectRequest): Promise<ErasureReport> {
      const subject = subjectOf(request)
      const key =
        subject.kind === 'person'
          ? suppressionKey({ type: 'person_id', value: subject.personId })
          : subject.key
      const running = erasing.get(key)
      if (running) return running
      const erasure = eraseSubject(request, subject, key).finally(() => erasing.delete(key))
      erasing.set(key, erasure)
      return erasure
    },

    async getRequest(requestId: string): Promise<DeletionRequestRow> {
      const row = REQUEST_ID.test(requestId) ? await deps.store.getRequest(requestId) : undefined
      if (!row) throw new AdminError('SIL_PRIVACY_REQUEST_NOT_FOUND')
      return row
    },

    /** Everything held about the person, as one JSON document (at most maxExportRows rows). */
    async exportSubject(request: SubjectRequest): Promise<ExportDocument> {
      const subject = subjectOf(request)
      return guarded(request, () => exportOf(subject))
    },

    /** The consent audit: each change with its time and policy version, and the current state. */
    async consent(request: SubjectRequest) {
      const subject = subjectOf(request)
      return guarded(request, async () => {
        const { persons } = await deps.store.resolve(subject)
        if (persons.length === 0) throw new AdminError('SIL_PRIVACY_SUBJECT_NOT_FOUND')
        return {
          personIds: persons,
          current: (await deps.store.viewRows('consent_current', persons)) ?? [],
          history: (await deps.store.viewRows('consent_events', persons, 'timestamp, message_id')) ?? [],
        }
      })
    },
  }

  async function eraseSubject(
    request: SubjectRequest,
    subject: Subject,
    key: string,
  ): Promise<ErasureReport> {
    const requestId = randomUUID()
    const requestedAt = iso(now())
    const base: DeletionRequestRow = {
      request_id: requestId,
      subject_type: subject.kind === 'person' ? 'person_id' : subject.id.type,
      subject_key: key,
      reference: request.reference ?? '',
      status: 'requested',
      requested_at: requestedAt,
      completed_at: null,
      persons: 0,
      identifiers: 0,
      deleted_rows: '{}',
      error: '',
      version: nextVersion(),
    }
    try {
      await deps.store.recordRequest(base)
      log.info({ requestId, subjectType: base.subject_type }, 'erasure requested')
      const suppressed = new Map<string, Identifier>()
      if (subject.kind === 'identifier') suppressed.set(idKey(subject.id), subject.id)
      let persons: string[] = []
      let drained = false
      for (let round = 0; round < MAX_SUPPRESSION_ROUNDS; round++) {
        const resolved = await deps.store.resolve(subject)
        persons = [...new Set([...persons, ...resolved.persons])]
        const fresh = resolved.identifiers.filter((id) => !suppressed.has(idKey(id)))
        if (round > 0 && fresh.length === 0) break
        for (const id of fresh) suppressed.set(idKey(id), id)
        await suppress(round === 0 ? [...suppressed.values()] : fresh, requestId)
        drained = await drainIdentity()
      }
      const ids = [...suppressed.values()]
      const targets = await deps.store.tables()
      const scope = scopeOf(persons, ids)
      scope.messages = await deps.store.messageIds(targets, { ...scope, messages: [] })
      const deletedRows = await deps.store.erase(targets, scope)
      const eraseAgain = async () => {
        for (const [table, n] of Object.entries(await deps.store.erase(targets, scope))) {
          deletedRows[table] = (deletedRows[table] ?? 0) + n
        }
      }
      // Rows stored while the first pass ran (identity lagging behind the suppression).
      await eraseAgain()
      // Rows that jobs in flight (the profiles' refresh) wrote back, once they have ended.
      if (deps.jobsInFlight) {
        await deps.jobsInFlight()
        await eraseAgain()
      }
      // Compaction turns these into deletions of the identity graph's records.
      await deps.bus.produce(TOPICS.changelog, [
        ...ids.map((id) => ({ key: `i:${id.type}:${id.value}`, value: EMPTY })),
        ...persons.map((p) => ({ key: `o:${p}`, value: EMPTY })),
      ])
      const completedAt = iso(now())
      await deps.store.recordRequest({
        ...base,
        status: 'completed',
        completed_at: completedAt,
        persons: persons.length,
        identifiers: ids.length,
        deleted_rows: JSON.stringify(deletedRows),
        version: nextVersion(),
      })
      log.info(
        { requestId, persons: persons.length, identifiers: ids.length, deletedRows },
        'erasure completed',
      )
      return {
        requestId,
        status: 'completed',
        requestedAt,
        completedAt,
        persons: persons.length,
        identifiers: ids.length,
        deletedRows,
        identityDrained: drained,
      }
    } catch (caught) {
      // Store and broker errors may quote the value they failed on: logged and recorded scrubbed.
      const cause = scrubError(caught, rawValuesOf(request))
      log.error({ err: cause, requestId }, 'erasure failed')
      await deps.store
        .recordRequest({ ...base, status: 'failed', error: cause.message, version: nextVersion() })
        .catch((err: unknown) =>
          log.error(
            { err: scrubError(err, rawValuesOf(request)), requestId },
            'erasure: could not record the failure',
          ),
        )
      throw new AdminError('SIL_PRIVACY_ERASURE_FAILED', { cause })
    }
  }

  const m = deps.metrics
  if (!m) return service
  return {
    ...service,
    erase: (request: SubjectRequest) => measured(m.erasures, m.erasureDuration, () => service.erase(request)),
    exportSubject: (request: SubjectRequest) =>
      measured(m.exports, m.exportDuration, () => service.exportSubject(request)),
  }
}

export type PrivacyService = ReturnType<typeof createPrivacyService>
