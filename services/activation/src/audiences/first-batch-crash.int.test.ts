import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// A new destination's very first batch leaves, and the process is killed (-9) before the 2xx is
// recorded; meanwhile a member withdraws marketing consent and leaves. After the restart the
// destination must get that member's exit (it may hold the entry). Real chDB in a data dir, a
// receiver on 127.0.0.1, the built worker (dist) in a child process, since chDB is one per process.
const act = resolve(import.meta.dirname, '../..')
const dir = mkdtempSync(join(tmpdir(), 'sillage-first-batch-'))
const script = join(dir, 'phase.mjs')
writeFileSync(
  script,
  `
import { join } from 'node:path'
const [phase, dir, url] = process.argv.slice(2)
const { createWarehouse, migrate } = await import(${JSON.stringify(`${act}/node_modules/@sillage/warehouse/dist/index.js`)})
const { createLogger, createMetricsRegistry } = await import(${JSON.stringify(`${act}/node_modules/@sillage/runtime/dist/index.js`)})
const { createAudienceSync, createDeliveryWorker, parseActivationFile } = await import(${JSON.stringify(`${act}/dist/index.js`)})
const warehouse = createWarehouse({ database: 'sillage', dataDir: join(dir, 'ch') })
await migrate(warehouse)
const consent = (person, categories, at) =>
  warehouse.client.insert({ table: 'sillage.events', format: 'JSONEachRow', values: [{
    message_id: 'consent-' + person + '-' + at, type: 'track', event: 'Consent Updated',
    timestamp: at, received_at: at, user_id: 'u-' + person, person_id: person, source_id: 'web',
    properties: JSON.stringify({ categories }), consent: JSON.stringify({ categories }) }] })
if (phase === 'first') {
  await consent('p1', ['marketing'], '2026-01-01 00:00:00.000')
  await consent('p2', ['marketing'], '2026-01-01 00:00:00.000')
} else await consent('p1', [], '2026-01-02 00:00:00.000')
const defs = parseActivationFile(JSON.stringify({
  destinations: [{ id: 'crm', type: 'webhook', url }],
  audiences: [{ id: 'opted', rule: 'consent.marketing', destinations: ['crm'] }],
}))
const deps = { warehouse, log: createLogger({ level: 'silent' }), registry: createMetricsRegistry({ defaultMetrics: false }) }
await createAudienceSync({ ...deps, emit: async () => {} }).syncAll(defs.audiences)
await createDeliveryWorker({ ...deps, secretOf: () => 'sec', dataDir: dir }).deliverAll(defs)
await warehouse.close()
`,
)

let child: ChildProcess | undefined
let killOnFirst = true
let killed = false
const got: string[][] = []
const server = createServer((req, res) => {
  let body = ''
  req.on('data', (c: Buffer) => (body += c.toString()))
  req.on('end', () => {
    const items = (JSON.parse(body) as { items: Array<{ type: string; person_id: string }> }).items
    got.push(items.map((i) => `${i.type} ${i.person_id}`).sort())
    if (killOnFirst) {
      // The batch has left; the process dies before it hears (and records) the 2xx.
      killOnFirst = false
      killed = child?.kill('SIGKILL') ?? false
      return
    }
    res.writeHead(200).end()
  })
})
let url = ''
/** Runs one phase in its own process; resolves when it exits (killed or not). */
const run = (phase: 'first' | 'restart') =>
  new Promise<number | null>((done, fail) => {
    let stderr = ''
    child = spawn(process.execPath, [script, phase, dir, url], { stdio: ['ignore', 'ignore', 'pipe'] })
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('error', fail)
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL' || code === 0 ? done(code) : fail(new Error(`${phase} exited ${code}: ${stderr}`)),
    )
  })

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
})
afterAll(async () => {
  child?.kill('SIGKILL')
  server.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
  rmSync(dir, { recursive: true, force: true })
})

describe("a kill -9 between a new destination's first batch and its record", () => {
  it('still sends the exit of a member who left before the restart', async () => {
    await run('first')
    expect(killed).toBe(true)
    expect(got).toEqual([['audience.entered p1', 'audience.entered p2']])

    // p1 withdraws marketing consent and leaves at the restart's sync, then the delivery.
    got.length = 0
    await run('restart')
    // p2's entry may come again (at-least-once, same item id); p1's exit must come.
    expect(got.flat()).toContain('audience.exited p1')
    expect(got.flat()).not.toContain('audience.entered p1')
  })
})
