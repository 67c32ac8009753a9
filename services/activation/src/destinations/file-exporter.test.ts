import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { DeliveryItem } from '../domain/delivery-payload.js'
import { createFileExporter } from './file-exporter.js'

const root = mkdtempSync(join(tmpdir(), 'sillage-file-export-'))
const dataDir = join(root, 'data')
afterAll(() => rmSync(root, { recursive: true, force: true }))

const items: DeliveryItem[] = [
  {
    id: 'm1',
    type: 'audience.entered',
    source: 'dormant',
    personId: 'p1',
    userId: "=cmd|' /C calc'!A0",
    emailSha256: '',
    phoneSha256: '',
    at: '2026-12-01T10:00:00.000Z',
  },
]

describe('file exporter', () => {
  it('writes under the data dir, a formula user id as text', () => {
    const file = createFileExporter({ id: 'ads', directory: 'exports/ads', format: 'csv', dataDir })(items)
    expect(file.startsWith(join(dataDir, 'exports', 'ads'))).toBe(true)
    expect(readFileSync(file, 'utf8')).toContain(",'=cmd|' /C calc'!A0,")
  })

  it.each(['../outside', 'exports/../../outside', join(root, 'outside')])(
    'refuses the directory %s, which leaves the data dir, and writes nothing',
    (directory) => {
      expect(() => createFileExporter({ id: 'ads', directory, format: 'csv', dataDir })(items)).toThrow(
        /file destination directory .*(inside|relative)/,
      )
      expect(existsSync(join(root, 'outside'))).toBe(false)
      expect(readdirSync(root)).toEqual(['data'])
    },
  )
})

describe('file exporter and symlinks', () => {
  it('refuses a directory that a symlink inside the data dir leads out of, and writes nothing there', () => {
    const outside = join(root, 'elsewhere')
    mkdirSync(outside)
    mkdirSync(dataDir, { recursive: true })
    symlinkSync(outside, join(dataDir, 'linked'))
    expect(() =>
      createFileExporter({ id: 'ads', directory: 'linked/ads', format: 'csv', dataDir })(items),
    ).toThrow(/file destination directory .*leads out of the data dir/)
    expect(readdirSync(outside)).toEqual([])
  })
})
