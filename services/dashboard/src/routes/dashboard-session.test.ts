import { describe, expect, it } from 'vitest'
import { createDashboardSessions } from './dashboard-session.js'

describe('dashboard sessions', () => {
  const tokens = { admin: 'admin_token_0123456789', analyst: 'analyst_token_0123456789' }
  let now = 1_000_000_000_000
  const sessions = createDashboardSessions(tokens, { ttlSeconds: 60, now: () => now })

  it('each token gives its role; a cookie keeps it until it expires', () => {
    expect(sessions.roleOf(tokens.admin)).toBe('admin')
    expect(sessions.roleOf(tokens.analyst)).toBe('analyst')
    expect(sessions.roleOf('analyst_token_012345678')).toBeUndefined()
    const cookie = sessions.issue('analyst').value
    expect(sessions.verify(cookie)).toBe('analyst')
    expect(sessions.verify(cookie.replace(/^analyst/, 'admin'))).toBeUndefined()
    now += 61_000
    expect(sessions.verify(cookie)).toBeUndefined()
  })

  it('a changed token ends its sessions; no analyst token, no analyst role', () => {
    const cookie = sessions.issue('analyst').value
    expect(
      createDashboardSessions({ ...tokens, analyst: 'another_token_0123456789' }, { now: () => now }).verify(
        cookie,
      ),
    ).toBeUndefined()
    const adminOnly = createDashboardSessions({ admin: tokens.admin })
    expect(adminOnly.roleOf(tokens.analyst)).toBeUndefined()
    expect(adminOnly.verify(adminOnly.issue('analyst').value)).toBeUndefined()
  })
})
