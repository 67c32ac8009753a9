import { existsSync, readFileSync } from 'node:fs'
import {
  createCollectorSender,
  createFileReader,
  createWarehouseFileReader,
  createWarehouseProductSink,
  FILE_FORMATS,
  formatOf,
  formatProgress,
  IMPORT_KINDS,
  resolveMapping,
  runImport,
  type FileFormat,
  type FileReader,
  type ImportKind,
  type Progress,
  type ProductSink,
} from '@sillage/imports'
import { createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { runningStart } from '../admin-client.js'
import { loadCliConfig } from '../config.js'
import { adminToken } from '../data-dir.js'
import { importCollectorUrl, importWriteKey } from '../import-target.js'
import { uploadImport } from '../import-upload.js'
import { userPath } from '../user-path.js'
import { intOption, parseCommandArgs, UsageError, type Command } from './command.js'
import { formatSummary } from './import-summary.js'

const USAGE = `usage: sillage import <file> --kind receipts|crm|catalogue [--mapping mapping.json]
                      [--format csv|tsv|ndjson|parquet] [--source ID] [--collector URL]
                      [--batch EVENTS] [--restart]

Imports store receipts (Order Completed, channel store), CRM contacts (identify + Consent
Updated) or the product catalogue (the products table) from CSV, TSV, NDJSON or Parquet (see
docs/imports.md). Receipts and contacts go through the collector of the running sillage start
(or --collector) with a server source's write key (--source, else the first server source), so
they get the same validation, dead letters, deduplication and stitching as live events.

  --mapping FILE   JSON: columns, properties, traits, consent, defaults (overrides the built-in)
  --format         default: from the file's extension
  --batch N        events per collector request (default 500)
  --restart        ignore <file>.checkpoint.json and start from the first row

Progress goes to stderr; refused rows, with their reasons, to <file>.rejected.ndjson.
Importing the same file again adds nothing (messageIds derive from the rows' keys).
`

function progressPrinter(): (p: Progress) => void {
  const tty = process.stderr.isTTY === true
  let last = 0
  return (p) => {
    const now = Date.now()
    const final = p.done >= p.total
    if (!final && now - last < (tty ? 200 : 5000)) return
    last = now
    process.stderr.write(tty ? `\r${formatProgress(p)}${final ? '\n' : ''}` : `${formatProgress(p)}\n`)
  }
}

export const importCommand: Command = {
  summary: 'import store receipts, CRM contacts or the product catalogue (CSV, NDJSON, Parquet)',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      name: 'import',
      usage: USAGE,
      options: {
        kind: { type: 'string' },
        mapping: { type: 'string' },
        format: { type: 'string' },
        source: { type: 'string' },
        collector: { type: 'string' },
        batch: { type: 'string' },
        restart: { type: 'boolean', default: false },
      },
      positionals: Infinity,
    })
    const [file, ...extra] = positionals
    if (file === undefined || extra.length > 0) throw new UsageError('import: give exactly one file', USAGE)
    const kind = values.kind as ImportKind
    if (!IMPORT_KINDS.includes(kind))
      throw new UsageError(`import: --kind must be one of ${IMPORT_KINDS.join(', ')}`, USAGE)
    const input = userPath(file)
    if (!existsSync(input)) throw new UsageError(`import: no file ${input}`, USAGE)
    const format = (values.format ?? formatOf(input)) as FileFormat | undefined
    if (format === undefined || !(format in FILE_FORMATS)) {
      throw new UsageError(
        `import: cannot tell the format of ${file}; pass --format csv|tsv|ndjson|parquet`,
        USAGE,
      )
    }
    const mapping = resolveMapping(
      kind,
      values.mapping ? JSON.parse(readFileSync(userPath(values.mapping), 'utf8')) : {},
    )
    const batchEvents = intOption(values.batch, 'batch', 500, USAGE) || 500
    const config = loadCliConfig()
    const common = { input, mapping, batchEvents, resume: !values.restart, onProgress: progressPrinter() }

    if (kind !== 'catalogue') {
      const sender = createCollectorSender({
        url: importCollectorUrl(config, values.collector),
        writeKey: importWriteKey(config, values.source),
      })
      // Ctrl-C: the checkpoint (written atomically, at most a second behind) keeps what was
      // acknowledged, so say how to go on rather than vanish mid-progress-bar.
      const interrupted = () => {
        process.stderr.write(
          `\nimport: interrupted; the rows acknowledged so far are kept in ${input}.checkpoint.json: run the same command again to go on from there\n`,
        )
        process.exit(130)
      }
      process.once('SIGINT', interrupted)
      try {
        process.stdout.write(
          formatSummary(await runImport({ ...common, reader: createFileReader(input, format), sender })),
        )
      } finally {
        process.off('SIGINT', interrupted)
      }
      return
    }

    // The catalogue goes to the warehouse: through the running start's admin upload when it owns
    // the embedded chDB, else straight to the warehouse.
    const running = config.clickhouse.url
      ? undefined
      : runningStart(config.dataDir, config.collector.adminToken)
    if (running) {
      const token = adminToken(config.dataDir, config.collector.adminToken)
      process.stdout.write(
        formatSummary(
          await uploadImport({
            url: running.url,
            token,
            kind,
            format,
            input,
            mapping: values.mapping ? mapping : undefined,
          }),
        ),
      )
      return
    }
    const warehouse: Warehouse = createWarehouse({ ...config.clickhouse, dataDir: config.dataDir })
    try {
      await migrate(warehouse)
      const reader: FileReader =
        warehouse.kind === 'chdb'
          ? createWarehouseFileReader(warehouse, input, format)
          : createFileReader(input, format)
      const products: ProductSink = createWarehouseProductSink(warehouse)
      process.stdout.write(formatSummary(await runImport({ ...common, reader, products })))
    } finally {
      await warehouse.close()
    }
  },
}
