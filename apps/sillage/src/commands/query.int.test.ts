import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

// The built CLI on a data dir of its own (embedded chDB, no start running).
const cli = join(import.meta.dirname, '..', '..', 'dist', 'main.js')
const dataDir = mkdtempSync(join(tmpdir(), 'sil-query-params-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe('sillage query --param', () => {
  it('fills the SQL placeholders with the values, sent apart from the SQL', () => {
    const out = execFileSync(
      process.execPath,
      [
        cli,
        'query',
        '--param',
        "name=O'Brien",
        '--param',
        'n=41',
        'SELECT {name:String} AS name, {n:UInt32} + 1 AS n',
      ],
      { env: { ...process.env, SILLAGE_DATA_DIR: dataDir }, encoding: 'utf8' },
    )
    expect(JSON.parse(out.trim())).toEqual({ name: "O'Brien", n: 42 })
  })
})
