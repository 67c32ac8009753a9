import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { registerAdminImportsRoute } from './admin-imports.route.js'

// The admin upload over a real embedded chDB (the reader and the products table): a broken row is
// refused alone, and a file that cannot be read answers with its own code, not a raw engine error.
const TOKEN = 'admin_imports_token_0123456789'
let dir: string
let warehouse: Warehouse
let app: FastifyInstance

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sillage-admin-imports-'))
  warehouse = createWarehouse({ database: 'admin_imports', dataDir: dir })
  await migrate(warehouse)
  // A rejected file from an upload a month ago, and one from yesterday.
  mkdirSync(join(dir, 'imports'))
  const month = new Date(Date.now() - 30 * 86_400_000)
  const yesterday = new Date(Date.now() - 86_400_000)
  writeFileSync(join(dir, 'imports', 'old.csv.rejected.ndjson'), '{"values":{"email":"a@example.com"}}\n')
  writeFileSync(join(dir, 'imports', 'new.csv.rejected.ndjson'), '{"row":2}\n')
  utimesSync(join(dir, 'imports', 'old.csv.rejected.ndjson'), month, month)
  utimesSync(join(dir, 'imports', 'new.csv.rejected.ndjson'), yesterday, yesterday)
  app = Fastify()
  registerAdminImportsRoute(app, {
    warehouse,
    token: TOKEN,
    dataDir: dir,
    retentionDays: 14,
    collectorUrl: () => 'http://127.0.0.1:1',
    sources: [],
  })
})
afterAll(async () => {
  await app?.close()
  await warehouse?.close()
  rmSync(dir, { recursive: true, force: true })
})

const upload = (body: Buffer | string, format = 'csv') =>
  app.inject({
    method: 'POST',
    url: `/admin/imports?kind=catalogue&format=${format}`,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/csv' },
    payload: body,
  })

describe('POST /admin/imports', () => {
  it('deletes the rejected files older than the retention when it starts, and keeps the newer', () => {
    expect(existsSync(join(dir, 'imports', 'old.csv.rejected.ndjson'))).toBe(false)
    expect(existsSync(join(dir, 'imports', 'new.csv.rejected.ndjson'))).toBe(true)
  })

  it('refuses a row with an extra field alone and writes the other products', async () => {
    const res = await upload(
      'product_id,name,price\np-1,Ambre,10\np-2,Rose, poudrée,12\np-3,Iris,0x10\np-4,Vétiver,14\n',
    )
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ rows: 4, imported: 2, refused: 2 })
    const rows = await warehouse.client.query({
      query: 'SELECT product_id FROM admin_imports.products ORDER BY product_id',
      format: 'JSONEachRow',
    })
    expect(await rows.json()).toEqual([{ product_id: 'p-1' }, { product_id: 'p-4' }])
  })

  it('answers a UTF-16 file with SIL_IMPORT_FILE_ENCODING', async () => {
    const csv = 'product_id,name\np-1,Ambre\n'
    const res = await upload(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, 'utf16le')]))
    expect(res.statusCode).toBe(422)
    expect(res.json()).toMatchObject({ success: false, code: 'SIL_IMPORT_FILE_ENCODING' })
    expect(res.json().message).toContain('UTF-8')
    // The server's own name for the upload means nothing to the sender.
    expect(res.json().message).toMatch(/^cannot import the uploaded file \(SIL_IMPORT_FILE_ENCODING\)/)
    expect(res.json().message).not.toMatch(/catalogue-[0-9a-f-]{36}/)
  })

  it('answers a file that is not in its format with SIL_IMPORT_FILE_UNREADABLE', async () => {
    const res = await upload('not parquet', 'parquet')
    expect(res.statusCode).toBe(422)
    expect(res.json()).toMatchObject({ success: false, code: 'SIL_IMPORT_FILE_UNREADABLE' })
    expect(res.json().message).not.toMatch(/DB::Exception|\/admin-imports-|in file\/uri/)
  })
})
