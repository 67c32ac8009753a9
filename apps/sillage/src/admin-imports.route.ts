import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { basename, join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import {
  createCollectorSender,
  createWarehouseFileReader,
  createWarehouseProductSink,
  decodeMappingHeader,
  FILE_FORMATS,
  IMPORT_KINDS,
  ImportFileError,
  MAPPING_HEADER,
  MappingError,
  resolveMapping,
  runImport,
  type FileFormat,
  type ImportKind,
} from '@sillage/imports'
import type { Source } from '@sillage/schemas'
import type { Warehouse } from '@sillage/warehouse'
import { bearerMatches } from './admin-query.route.js'
import { sweepImportFiles, SWEEP_INTERVAL_MS } from './import-files-retention.js'

/** How a refused upload's messages name the file (the CLI puts the user's path back). */
export const UPLOADED = 'the uploaded file'

export interface AdminImportsDeps {
  warehouse: Warehouse
  token: string
  /** Uploaded files and their .rejected.ndjson are kept under <dataDir>/imports. */
  dataDir: string
  /** This process's collector, which receipts and contacts go through. */
  collectorUrl: () => string
  sources: readonly Source[]
  /** Largest accepted upload in bytes (default 1 GiB). */
  bodyLimit?: number
  /** Days the rejected files are kept (SILLAGE_DEAD_LETTER_RETENTION_DAYS, docs/privacy.md). */
  retentionDays: number
}

/**
 * `POST /admin/imports?kind=receipts|crm|catalogue&format=csv|tsv|ndjson|parquet` (admin token):
 * the file is the body; an optional `x-sillage-mapping` header holds a mapping (JSON, non-ASCII
 * escaped as \uXXXX by the CLI; raw UTF-8 is read too). The same
 * library as `sillage import`: the rows are read by the embedded chDB; receipts and contacts go
 * through this process's collector with its first server source, the catalogue to `products`.
 * Answers with the import's summary once it is done.
 */
export function registerAdminImportsRoute(app: FastifyInstance, deps: AdminImportsDeps) {
  const dir = join(deps.dataDir, 'imports')
  const fail = (code: string, message: string) => ({ success: false, code, message })
  // Refused rows hold people's values: kept as long as the dead letters, swept now and then.
  const sweep = () => {
    const deleted = sweepImportFiles(dir, deps.retentionDays)
    if (deleted.length > 0) app.log.info({ files: deleted.length }, 'expired import files deleted')
  }
  sweep()
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS).unref()
  app.addHook('onClose', async () => clearInterval(timer))
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: deps.bodyLimit ?? 1024 ** 3 },
      (_req, body, done) => done(null, body),
    )
    scope.post<{ Querystring: { kind?: string; format?: string } }>(
      '/admin/imports',
      async (request, reply) => {
        if (!bearerMatches(request, deps.token)) {
          return reply.code(401).send(fail('SIL_ADMIN_UNAUTHORIZED', 'admin token missing or invalid'))
        }
        const kind = request.query.kind as ImportKind
        const format = (request.query.format ?? 'csv') as FileFormat
        if (!IMPORT_KINDS.includes(kind) || !(format in FILE_FORMATS)) {
          return reply
            .code(400)
            .send(
              fail(
                'SIL_IMPORT_PARAMS_INVALID',
                `kind must be one of ${IMPORT_KINDS.join(', ')}; format one of ${Object.keys(FILE_FORMATS).join(', ')}`,
              ),
            )
        }
        const body = request.body
        if (!Buffer.isBuffer(body) || body.length === 0) {
          return reply.code(400).send(fail('SIL_IMPORT_BODY_EMPTY', 'the body must be the file to import'))
        }
        let mapping
        try {
          const header = request.headers[MAPPING_HEADER]
          mapping = resolveMapping(kind, typeof header === 'string' ? decodeMappingHeader(header) : {})
        } catch (err) {
          const message = err instanceof MappingError ? err.message : 'x-sillage-mapping is not valid JSON'
          return reply.code(400).send(fail('SIL_IMPORT_MAPPING_INVALID', message))
        }
        const writeKey = deps.sources.find((s) => s.type === 'server')?.writeKey
        if (kind !== 'catalogue' && writeKey === undefined) {
          return reply
            .code(409)
            .send(fail('SIL_IMPORT_NO_SERVER_SOURCE', 'no server source to send the events with'))
        }
        mkdirSync(dir, { recursive: true })
        const input = join(dir, `${new Date().toISOString().slice(0, 10)}-${kind}-${randomUUID()}.${format}`)
        writeFileSync(input, body)
        try {
          const summary = await runImport({
            input,
            mapping,
            resume: false,
            reader: createWarehouseFileReader(deps.warehouse, input, format),
            ...(kind === 'catalogue'
              ? { products: createWarehouseProductSink(deps.warehouse) }
              : {
                  sender: createCollectorSender({ url: deps.collectorUrl(), writeKey: writeKey as string }),
                }),
          })
          if (summary.refused + summary.partlyRefused === 0) rmSync(summary.rejectedFile, { force: true })
          return reply.send({ success: true, ...summary })
        } catch (err) {
          request.log.warn({ err, kind }, 'import failed')
          // A file that cannot be read keeps its own code (encoding, format); the rest is generic.
          const code = err instanceof ImportFileError ? err.code : 'SIL_IMPORT_FAILED'
          // The sender knows its file, not the name it was stored under here.
          const message = (err as Error).message
            .replaceAll(input, UPLOADED)
            .replaceAll(basename(input), UPLOADED)
          return reply.code(422).send(fail(code, message))
        } finally {
          rmSync(input, { force: true })
          sweep()
        }
      },
    )
  })
}
