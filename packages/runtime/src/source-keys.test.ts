import { describe, expect, it } from 'vitest'
import { ConfigError } from './env.js'
import { closestKey, unknownSourceKeys } from './source-keys.js'
import { loadSources } from './sources-env.js'

const problems = (sources: unknown): string[] => {
  try {
    loadSources({ SILLAGE_SOURCES: JSON.stringify(sources) })
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  return []
}

const backend = { id: 'backend', writeKey: 'sk_server_456', type: 'server' }
const plan = { mode: 'block', events: { 'Order Completed': { required: ['order_id'] } } }

describe('unknown keys in the sources', () => {
  it('stops the start on a misspelt trackingPlan, naming the key and the right one', () => {
    expect(problems([{ ...backend, trackingplan: plan }])).toEqual([
      'SILLAGE_SOURCES[0.trackingplan]: unknown key "trackingplan" (did you mean "trackingPlan"?)',
    ])
    expect(
      problems([backend, { ...backend, id: 'b2', writeKey: 'sk_other_789', tracking_plan: plan }]),
    ).toEqual([
      'SILLAGE_SOURCES[1.tracking_plan]: unknown key "tracking_plan" (did you mean "trackingPlan"?)',
    ])
  })

  it('looks inside the plan and the other objects of a source, and reports every problem at once', () => {
    expect(
      problems([
        {
          ...backend,
          type: 'servr',
          trackingPlan: { mdoe: 'block', events: {} },
          scrub: { hash: ['traits.email'], keeep: [] },
          previousWriteKeys: [{ writeKey: 'sk_old_12345', expiresAt: '2026-01-01T00:00:00Z', note: 'x' }],
        },
      ]),
    ).toEqual([
      'SILLAGE_SOURCES[0.trackingPlan.mdoe]: unknown key "mdoe" (did you mean "mode"?)',
      'SILLAGE_SOURCES[0.scrub.keeep]: unknown key "keeep" (did you mean "keep"?)',
      'SILLAGE_SOURCES[0.previousWriteKeys.0.note]: unknown key "note" (known: writeKey, expiresAt)',
      expect.stringMatching(/^SILLAGE_SOURCES\[0\.type\]: /),
    ])
  })

  it('accepts every documented key, and leaves the event schemas of a plan to ajv', () => {
    const full = {
      ...backend,
      previousWriteKeys: [{ writeKey: 'sk_old_12345', expiresAt: '2026-01-01T00:00:00Z' }],
      allowedOrigins: [],
      consent: { required: 'analytics', policyVersion: '1' },
      rateLimit: null,
      keepFullIp: false,
      gpc: { optOut: [] },
      anonymousIdCookie: { refresh: true, domain: '.shop.example' },
      scrub: { defaults: true, drop: [], hash: [], keep: [], phoneCountryCode: '33' },
      trackingPlan: { mode: 'flag', defaults: false, events: { X: { anyKeyword: 1 } } },
    }
    expect(unknownSourceKeys([full, { ...backend, rateLimit: { perMinute: 5 } }])).toEqual([])
    expect(problems([full]).length).toBe(0)
  })

  it('suggests by case and separators first, then by a couple of edits', () => {
    const known = ['trackingPlan', 'writeKey', 'keepFullIp']
    expect(closestKey('TRACKING-PLAN', known)).toBe('trackingPlan')
    expect(closestKey('writekye', known)).toBe('writeKey')
    expect(closestKey('nothingLikeIt', known)).toBeUndefined()
  })
})
