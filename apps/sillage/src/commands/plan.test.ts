import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readPlan } from './plan.js'

// `sillage plan check --plan FILE`: a plan the collector would refuse at start is refused naming the
// file, not the first configured source (whose own plan may be fine: docs/tracking-plans.md).
const dir = mkdtempSync(join(tmpdir(), 'sillage-plan-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function planFile(plan: unknown): string {
  const path = join(dir, `plan-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(path, JSON.stringify(plan))
  return path
}

describe('readPlan (--plan FILE)', () => {
  it('refuses a pattern no linear-time engine runs (a backreference), naming the file and the event', () => {
    const path = planFile({
      mode: 'block',
      events: {
        'Coupon Entered': { type: 'object', properties: { code: { type: 'string', pattern: '^(a)\\1$' } } },
      },
    })
    expect(() => readPlan(path)).toThrow(
      new RegExp(
        `^--plan ${path}: SIL_TRACKING_PLAN_INVALID: tracking plan event "Coupon Entered": pattern "\\^\\(a\\)\\\\\\\\1\\$" is refused: a backreference`,
      ),
    )
  })

  it('refuses a schema ajv refuses, also in mode off (the plan before it is switched on)', () => {
    const path = planFile({ mode: 'off', events: { 'Order Completed': { type: 'objet' } } })
    expect(() => readPlan(path)).toThrow(
      new RegExp(`^--plan ${path}: SIL_TRACKING_PLAN_INVALID: tracking plan event "Order Completed": `),
    )
  })

  it('reads a valid plan', () => {
    const path = planFile({ mode: 'flag', events: { 'Order Completed': { required: ['order_id'] } } })
    expect(readPlan(path)).toMatchObject({ mode: 'flag', defaults: true })
  })
})
