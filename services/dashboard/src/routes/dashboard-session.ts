import { createSessions, type Sessions } from '@sillage/runtime'

export type Role = 'admin' | 'analyst'

export type DashboardSessions = Sessions<Role>

/**
 * The dashboard's sessions (@sillage/runtime's `createSessions`): the admin token or the read-only
 * analyst token opens it, each signing the sessions of its role; the cookie `sillage_dashboard`
 * (`<role>.<expiry>.<mac>`) is sent to /dashboard only, and its context string keeps a debugger
 * cookie from opening the dashboard, and the reverse.
 */
export function createDashboardSessions(
  tokens: { admin: string; analyst?: string | undefined },
  opts: { ttlSeconds?: number; now?: () => number } = {},
): DashboardSessions {
  return createSessions<Role>({
    cookie: { name: 'sillage_dashboard', path: '/dashboard' },
    context: 'sillage-dashboard-session/v1:',
    keys: { admin: tokens.admin, analyst: tokens.analyst },
    ...opts,
  })
}
