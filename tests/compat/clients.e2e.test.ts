import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  WRITE_KEY,
  freePort,
  query,
  startPipeline,
  tempDir,
  waitFor,
  type Pipeline,
} from '../helpers/pipeline.js'
import { CLIENTS, type CompatClient } from './clients.js'
import { run, type ClientCommand } from './toolchains.js'

// The official Segment and RudderStack libraries, each on its defaults and pointed only at the
// collector's host, against the real embedded pipeline (`sillage start`): each sends identify,
// track, page and alias, and each event must land in ClickHouse exactly once.
describe('official client libraries against the collector', () => {
  const dir = tempDir('sillage-compat-')
  let pipeline: Pipeline
  // Every toolchain is prepared at once, while the pipeline starts; each test awaits its own, so
  // a missing tool fails only its client's test (with what to install).
  const prepared = new Map<string, Promise<ClientCommand>>()

  beforeAll(async () => {
    for (const client of CLIENTS) {
      const p = client.prepare()
      p.catch(() => {}) // reported by the client's own test
      prepared.set(client.id, p)
    }
    pipeline = await startPipeline({ dataDir: dir.path, port: await freePort() })
  })
  afterAll(async () => {
    await Promise.allSettled(prepared.values())
    await pipeline?.stop()
    dir.remove()
  }, 600_000)

  it.each(CLIENTS.map((c) => [`${c.pkg} ${c.version} (${c.registry})`, c] as const))(
    '%s: identify, track, page and alias each land once',
    async (_label: string, client: CompatClient) => {
      const { command, args } = await prepared.get(client.id)!
      const ids = {
        COMPAT_USER_ID: `compat-${client.id}-user`,
        COMPAT_ANONYMOUS_ID: `compat-${client.id}-anon`,
        COMPAT_PREVIOUS_ID: `compat-${client.id}-previous`,
      }
      const result = await run(command, args, {
        env: { COMPAT_HOST: pipeline.url, COMPAT_WRITE_KEY: WRITE_KEY, ...ids },
        timeoutMs: 90_000,
      })
      expect(result, `the ${client.pkg} program reported errors:\n${result.output}`).toMatchObject({
        code: 0,
      })

      // The ids are this file's constants ([a-z-] only); /admin/query takes no parameters.
      const user = ids.COMPAT_USER_ID
      expect(user).toMatch(/^[a-z-]+$/)
      const countSql = `SELECT count() AS n FROM sillage.events WHERE user_id = '${user}'`
      await waitFor(async () => Number((await query<{ n: string }>(pipeline.url, countSql))[0]?.n) >= 4, {
        timeoutMs: 60_000,
        what: `the four ${client.pkg} events in sillage.events`,
      })
      const rows = await query<Record<string, string | number | null>>(
        pipeline.url,
        `SELECT type, message_id, event, name, anonymous_id, previous_id, order_id, revenue, currency, page_path,
                library_name, library_version
         FROM sillage.events WHERE user_id = '${user}' ORDER BY type`,
      )
      // Exactly once: one row per call, each with its own messageId.
      expect(rows.map((r) => r.type)).toEqual(['alias', 'identify', 'page', 'track'])
      expect(new Set(rows.map((r) => r.message_id)).size).toBe(4)
      // Sent by this library: its own name and version in context.library.
      for (const row of rows) {
        expect(row).toMatchObject({
          library_name: client.library.name,
          library_version: client.library.version,
        })
      }
      const byType = Object.fromEntries(rows.map((r) => [r.type, r]))
      expect(byType.identify).toMatchObject({ anonymous_id: ids.COMPAT_ANONYMOUS_ID })
      expect(byType.track).toMatchObject({
        event: 'Order Completed',
        order_id: `${user}-order`,
        revenue: 42.5,
        currency: 'EUR',
      })
      expect(byType.page).toMatchObject({ name: 'Product', page_path: '/p/mug' })
      expect(byType.alias).toMatchObject({ previous_id: ids.COMPAT_PREVIOUS_ID })
    },
    // A fresh clone fetches and builds the toolchains' parts first (the venv, Go modules, jars).
    600_000,
  )
})
