import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { sweepImportFiles } from './import-files-retention.js'

const dir = mkdtempSync(join(tmpdir(), 'sil-import-files-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('sweepImportFiles', () => {
  it('deletes the upload files older than the retention and keeps the newer ones', () => {
    const now = Date.parse('2026-12-06T12:00:00Z')
    const old = join(dir, '2026-11-01-crm-a.csv.rejected.ndjson')
    const recent = join(dir, '2026-12-05-crm-b.csv.rejected.ndjson')
    writeFileSync(old, '{"row":2,"values":{"email":"erased@example.com"}}\n')
    writeFileSync(recent, '{"row":3}\n')
    mkdirSync(join(dir, 'a-directory'))
    utimesSync(old, new Date(now - 15 * 86_400_000), new Date(now - 15 * 86_400_000))
    utimesSync(recent, new Date(now - 86_400_000), new Date(now - 86_400_000))
    expect(sweepImportFiles(dir, 14, now)).toEqual(['2026-11-01-crm-a.csv.rejected.ndjson'])
    expect(existsSync(old)).toBe(false)
    expect(existsSync(recent)).toBe(true)
    expect(existsSync(join(dir, 'a-directory'))).toBe(true)
  })

  it('treats a missing directory as empty', () => {
    expect(sweepImportFiles(join(dir, 'none'), 14)).toEqual([])
  })
})
