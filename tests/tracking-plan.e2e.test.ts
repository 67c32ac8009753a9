import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  WRITE_KEY,
  cliMain,
  freePort,
  query,
  repoRoot,
  startPipeline,
  tempDir,
  waitForCount,
  type Pipeline,
} from './helpers/pipeline.js'

// Tracking plans end to end (docs/tracking-plans.md): `sillage start` (real HTTP, local log,
// identity, chDB). A flagged bad order lands with its violations and shows in the
// tracking_plan_violations view; a blocked one does not land; `sillage plan check` reports the
// stored events against a plan, through the running start and without it.
const run = randomUUID().slice(0, 8)
const FLAG_KEY = 'wk_flag_0123456789'
const BLOCK_KEY = 'wk_block_0123456789'
const extraSources = [
  { id: 'flagged', writeKey: FLAG_KEY, type: 'server', trackingPlan: { mode: 'flag' } },
  { id: 'blocked', writeKey: BLOCK_KEY, type: 'server', trackingPlan: { mode: 'block' } },
]
const sources = [{ id: 'test', writeKey: WRITE_KEY, type: 'server' }, ...extraSources]

function batch(prefix: string) {
  const base = { type: 'track', anonymousId: `anon-${prefix}`, timestamp: new Date().toISOString() }
  return [
    {
      ...base,
      messageId: `${prefix}-viewed`,
      event: 'Product Viewed',
      properties: { product_id: 'mug', price: 12.5 },
    },
    {
      ...base,
      messageId: `${prefix}-bad`,
      event: 'Order Completed',
      properties: {
        revenue: 25,
        currency: 'EUR',
        products: [{ product_id: 'mug', price: '12.50', quantity: 2 }],
      },
    },
    {
      ...base,
      messageId: `${prefix}-good`,
      event: 'Order Completed',
      properties: {
        order_id: `o-${prefix}`,
        revenue: 25,
        currency: 'EUR',
        products: [{ product_id: 'mug', price: 12.5 }],
      },
    },
    { ...base, messageId: `${prefix}-signup`, event: 'Signed Up', properties: { plan: 42 } },
  ]
}

const post = (url: string, key: string, events: unknown[]) =>
  fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
    },
    body: JSON.stringify({ batch: events, sentAt: new Date().toISOString() }),
  })

interface PlanReport {
  sources: Array<{
    sourceId: string
    checked: number
    failing: number
    events: Array<{
      event: string
      checked: number
      failing: number
      rules: Array<{ rule: string; count: number }>
    }>
  }>
}

describe('tracking plans through sillage start and chDB', () => {
  const dir = tempDir('sillage-plan-e2e-')
  let pipeline: Pipeline | undefined
  const env = {
    SILLAGE_DATA_DIR: dir.path,
    SILLAGE_SOURCES: JSON.stringify(sources),
    SILLAGE_ADMIN_TOKEN: ADMIN_TOKEN,
    SILLAGE_LOG_LEVEL: 'warn',
  }
  const sillage = async (args: string[]) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [cliMain, ...args], {
        cwd: repoRoot,
        env: { ...process.env, ...env },
      })
      return { code: 0, stdout, stderr }
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string }
      return { code: e.code, stdout: e.stdout, stderr: e.stderr }
    }
  }

  beforeAll(async () => {
    pipeline = await startPipeline({ dataDir: dir.path, port: await freePort(), extraSources })
  })
  afterAll(async () => {
    await pipeline?.stop()
    dir.remove()
  })

  it('flag: the bad order lands with its violations, in the tracking_plan_violations view; block: it does not land', async () => {
    const url = pipeline!.url
    expect((await post(url, FLAG_KEY, batch(`f-${run}`))).status).toBe(200)
    const blocked = await post(url, BLOCK_KEY, batch(`b-${run}`))
    expect(await blocked.json()).toMatchObject({
      accepted: 3,
      rejected: [{ index: 1, code: 'SIL_TRACKING_PLAN_VIOLATION' }],
    })

    await waitForCount(url, `SELECT count() AS n FROM sillage.events WHERE message_id LIKE 'f-${run}-%'`, 4)
    await waitForCount(url, `SELECT count() AS n FROM sillage.events WHERE message_id LIKE 'b-${run}-%'`, 3)
    const rows = await query<{
      message_id: string
      source_id: string
      event: string
      rule: string
      path: string
      message: string
      person_id: string
    }>(
      url,
      `SELECT message_id, source_id, event, rule, path, message, person_id FROM sillage.tracking_plan_violations
       WHERE message_id LIKE '%-${run}-%' ORDER BY rule`,
    )
    expect(rows.map(({ person_id: _, ...r }) => r)).toEqual([
      {
        message_id: `f-${run}-bad`,
        source_id: 'flagged',
        event: 'Order Completed',
        rule: 'required:properties.order_id',
        path: 'properties.order_id',
        message: "must have required property 'order_id'",
      },
      {
        message_id: `f-${run}-bad`,
        source_id: 'flagged',
        event: 'Order Completed',
        rule: 'type:properties.products[].price',
        path: 'properties.products[0].price',
        message: 'must be number',
      },
    ])
    expect(rows[0]?.person_id).not.toBe('')
    const [blockedBad] = await query<{ n: string }>(
      url,
      `SELECT count() AS n FROM sillage.events WHERE message_id = 'b-${run}-bad'`,
    )
    expect(Number(blockedBad?.n)).toBe(0)
  })

  it('sillage plan check reports the stored events against a plan, through the running start and alone', async () => {
    const url = pipeline!.url
    // The default source: mode allow, the built-in plan. Its events land unchanged.
    expect((await post(url, WRITE_KEY, batch(`t-${run}`))).status).toBe(200)
    await waitForCount(url, `SELECT count() AS n FROM sillage.events WHERE message_id LIKE 't-${run}-%'`, 4)

    const checked = await sillage(['plan', 'check', '--days', '1', '--source', 'test', '--json'])
    expect(checked.stderr).toBe('')
    const report = JSON.parse(checked.stdout) as PlanReport
    expect(report.sources).toHaveLength(1)
    const [source] = report.sources
    expect(source).toMatchObject({ sourceId: 'test', checked: 3, failing: 1 }) // Signed Up is not in the plan
    const order = source?.events.find((e) => e.event === 'Order Completed')
    expect(order).toMatchObject({ checked: 2, failing: 1 })
    expect(order?.rules.map((r) => [r.rule, r.count]).sort()).toEqual([
      ['required:properties.order_id', 1],
      ['type:properties.products[].price', 1],
    ])

    // A plan not switched on yet, from a file: only Signed Up, whose plan must be a string.
    const planFile = join(dir.path, 'plan.json')
    writeFileSync(
      planFile,
      JSON.stringify({
        defaults: false,
        events: {
          'Signed Up': { type: 'object', properties: { plan: { type: 'string' } }, required: ['plan'] },
        },
      }),
    )
    const text = await sillage(['plan', 'check', '--days', '1', '--plan', planFile])
    expect(text.code).toBe(0)
    // Every source's stored Signed Up (test, flagged, blocked) breaks it.
    for (const id of ['test', 'flagged', 'blocked'])
      expect(text.stdout).toMatch(
        new RegExp(`source ${id} \\(mode \\w+\\), last 1 day\\(s\\): 1 checked, 1 break the plan`),
      )
    expect(text.stdout).toContain('type:properties.plan  1  e.g.')

    const bad = await sillage(['plan', 'check', '--days', 'x'])
    expect(bad.code).toBe(2)

    // Without a running start, the CLI opens the data dir itself.
    await pipeline!.stop()
    pipeline = undefined
    const alone = await sillage(['plan', 'check', '--days', '1', '--source', 'flagged', '--json'])
    expect(alone.stderr).toBe('')
    expect((JSON.parse(alone.stdout) as PlanReport).sources[0]).toMatchObject({ checked: 3, failing: 1 })
  })
})
