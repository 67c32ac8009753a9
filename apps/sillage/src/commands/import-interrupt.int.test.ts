import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// `sillage import` stopped with Ctrl-C says how to go on, exit 130: the built CLI in a child
// process, sending to a loopback collector that takes the first batch and holds the second.
const cli = new URL('../../dist/main.js', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'sillage-import-int-'))
let server: Server
let port = 0
let requests = 0

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++
    req.resume()
    if (requests === 1)
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}'))
    // later batches are never answered: the import waits, as on a slow collector
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as { port: number }).port
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

describe('sillage import, interrupted', () => {
  it('prints where the acknowledged rows are kept and exits 130 on SIGINT', async () => {
    const file = join(dir, 'receipts.csv')
    const rows = Array.from({ length: 40 }, (_, i) => `R-${i},lyon,2026-12-01T10:00:00Z,12.50`)
    writeFileSync(file, `receipt_id,store_id,timestamp,total\n${rows.join('\n')}\n`)
    const child = spawn(
      process.execPath,
      [cli, 'import', file, '--kind', 'receipts', '--batch', '10', '--collector', `http://127.0.0.1:${port}`],
      {
        env: {
          ...process.env,
          SILLAGE_DATA_DIR: join(dir, 'data'),
          SILLAGE_SOURCES: JSON.stringify([
            { id: 'imports', writeKey: 'sk_interrupt_0123456789', type: 'server' },
          ]),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    await expect.poll(() => requests, { timeout: 30_000 }).toBeGreaterThanOrEqual(2)
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(stderr).toContain(
      `import: interrupted; the rows acknowledged so far are kept in ${file}.checkpoint.json`,
    )
    expect(stderr).toContain('run the same command again')
    expect(existsSync(`${file}.checkpoint.json`)).toBe(true)
  })
})
