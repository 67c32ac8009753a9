import { createSessions, type Sessions } from '@sillage/runtime'

/** The debugger has one role: the admin token opens it. */
export type DebuggerSessions = Sessions<'admin'>

/**
 * The debugger's sessions (@sillage/runtime's `createSessions`): the admin token signs them, the
 * cookie `sillage_debugger` is sent to /debugger only, and its context string keeps a dashboard
 * cookie from opening the debugger. One role, so the cookie reads `<expiry>.<mac>`, as it always has.
 */
export function createDebuggerSessions(
  adminToken: string,
  opts: { ttlSeconds?: number; now?: () => number } = {},
): DebuggerSessions {
  return createSessions({
    cookie: { name: 'sillage_debugger', path: '/debugger' },
    context: 'sillage-debugger-session/v1:',
    keys: { admin: adminToken },
    ...opts,
  })
}
