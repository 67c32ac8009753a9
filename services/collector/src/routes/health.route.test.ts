import { describe, expect, it } from 'vitest'
import type { BusHealth } from '@sillage/bus'
import { createLivenessCheck, DEFAULT_UNHEALTHY_AFTER_MS } from './health.route.js'

// /healthz's decision, with a fake clock (the disk-full test drives the real route).
const unready = (since?: number): BusHealth => ({
  ready: false,
  reason: 'local log write failed on events.raw/0 (ENOSPC: no space left on device, write)',
  ...(since !== undefined && { since }),
})

describe('liveness from the bus health', () => {
  it('stays alive until the local bus has been unready for unhealthyAfterMs, counted from its own since', () => {
    let t = 10_000
    const check = createLivenessCheck({ unhealthyAfterMs: 5_000, now: () => t })
    expect(check('local', { ready: true })).toEqual({ ok: true })
    expect(check('local', unready(9_000))).toEqual({ ok: true })
    t = 13_999
    expect(check('local', unready(9_000))).toEqual({ ok: true })
    t = 14_000
    const failed = check('local', unready(9_000))
    expect(failed.ok).toBe(false)
    expect(failed.reason).toMatch(/not ready for 5 s .*ENOSPC/)
    expect(check('local', { ready: true })).toEqual({ ok: true })
  })

  it('counts from its first look when the bus does not say since when, and restarts the count once ready', () => {
    let t = 0
    const check = createLivenessCheck({ unhealthyAfterMs: 1_000, now: () => t })
    expect(check('local', unready()).ok).toBe(true)
    t = 1_000
    expect(check('local', unready()).ok).toBe(false)
    expect(check('local', { ready: true }).ok).toBe(true)
    t = 1_500
    expect(check('local', unready()).ok).toBe(true)
  })

  it('never fails for Kafka: an outage outside the process is for /readyz, not a restart', () => {
    let t = 0
    const check = createLivenessCheck({ now: () => t })
    expect(check('kafka', unready(0)).ok).toBe(true)
    t = DEFAULT_UNHEALTHY_AFTER_MS * 10
    expect(check('kafka', unready(0)).ok).toBe(true)
  })

  it('defaults to one minute', () => {
    let t = 0
    const check = createLivenessCheck({ now: () => t })
    t = 59_999
    expect(check('local', unready(0)).ok).toBe(true)
    t = 60_000
    expect(check('local', unready(0)).ok).toBe(false)
  })
})
