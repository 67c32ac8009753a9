import { request } from 'node:http'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveMapping } from '@sillage/imports'
import { createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { registerAdminImportsRoute } from './admin-imports.route.js'
import { uploadImport } from './import-upload.js'

// What `sillage import` sends to a running `sillage start` (the catalogue through the admin
// upload), over a real socket into a real embedded chDB: the mapping in its header, the file as
// it is on disk.
const TOKEN = 'import_upload_token_0123456789'
let dir: string
let url: string
let warehouse: Warehouse
let app: FastifyInstance

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sillage-import-upload-'))
  warehouse = createWarehouse({ database: 'import_upload', dataDir: dir })
  await migrate(warehouse)
  app = Fastify()
  registerAdminImportsRoute(app, {
    warehouse,
    token: TOKEN,
    dataDir: dir,
    retentionDays: 14,
    collectorUrl: () => 'http://127.0.0.1:1',
    sources: [],
  })
  url = await app.listen({ port: 0, host: '127.0.0.1' })
})
afterAll(async () => {
  await app?.close()
  await warehouse?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function products(ids: string[]) {
  const res = await warehouse.client.query({
    query: `SELECT product_id, name, price FROM import_upload.products_current
            WHERE product_id IN {ids:Array(String)} ORDER BY product_id`,
    query_params: { ids },
    format: 'JSONEachRow',
  })
  return res.json<{ product_id: string; name: string; price: number }>()
}

const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}

const CSV = '顧客ID,Numéro de produit,prix\nnom-1,p-ja-1,10\nVétiver,p-ja-2,12.5\n'
const MAPPING = { columns: { name: '顧客ID', product_id: 'Numéro de produit', price: 'prix' } }

describe('sillage import → the running start (admin upload)', () => {
  it('carries a mapping with non-ASCII column names in its header', async () => {
    const summary = await uploadImport({
      url,
      token: TOKEN,
      kind: 'catalogue',
      format: 'csv',
      input: file('catalogue-ja.csv', CSV),
      mapping: resolveMapping('catalogue', MAPPING),
    })
    expect(summary).toMatchObject({ rows: 2, imported: 2, refused: 0 })
    expect(await products(['p-ja-1', 'p-ja-2'])).toEqual([
      { product_id: 'p-ja-1', name: 'nom-1', price: 10 },
      { product_id: 'p-ja-2', name: 'Vétiver', price: 12.5 },
    ])
  })

  it('reads a mapping header sent as raw UTF-8 (curl -H) or as Latin-1 (an older CLI)', async () => {
    const send = (header: string, csv: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${url}/admin/imports?kind=catalogue&format=csv`, {
          method: 'POST',
          // Node writes a header string as Latin-1: these are the bytes on the wire.
          headers: { authorization: `Bearer ${TOKEN}`, 'x-sillage-mapping': header },
        })
        req.on('response', (res) => {
          let body = ''
          res.on('data', (c: Buffer) => (body += c.toString()))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        })
        req.on('error', reject)
        // A Buffer: a string body would be written with the headers in one UTF-8 chunk.
        req.end(Buffer.from(csv))
      })
    const utf8 = Buffer.from(JSON.stringify(MAPPING)).toString('latin1')
    const raw = await send(utf8, CSV.replaceAll('p-ja-', 'p-raw-'))
    expect(raw.status).toBe(200)
    expect(JSON.parse(raw.body)).toMatchObject({ imported: 2, refused: 0 })
    const latin1 = JSON.stringify({ columns: { product_id: 'Numéro', name: 'nom' } })
    const old = await send(latin1, 'Numéro,nom\np-latin1,Ambre\n')
    expect(JSON.parse(old.body)).toMatchObject({ imported: 1, refused: 0 })
    expect(await products(['p-latin1', 'p-raw-1'])).toEqual([
      { product_id: 'p-latin1', name: 'Ambre', price: null },
      { product_id: 'p-raw-1', name: 'nom-1', price: 10 },
    ])
  })

  it('imports a gzip file decompressed, as the CLI does in its own process', async () => {
    const name = 'catalogue.csv.gz'
    const id = 'p-gz'
    const csv = `product_id,name,price\n${id}-1,Vétiver,14\n${id}-2,"Rose, poudrée",12\n`
    const summary = await uploadImport({
      url,
      token: TOKEN,
      kind: 'catalogue',
      format: 'csv',
      input: file(name, gzipSync(csv)),
    })
    expect(summary).toMatchObject({ rows: 2, imported: 2, refused: 0 })
    expect(await products([`${id}-1`, `${id}-2`])).toEqual([
      { product_id: `${id}-1`, name: 'Vétiver', price: 14 },
      { product_id: `${id}-2`, name: 'Rose, poudrée', price: 12 },
    ])
  })
})
