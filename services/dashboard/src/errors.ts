/**
 * The dashboard's error catalogue. Codes are stable (docs/dashboard.md). Responses are
 * `{"success": false, "code", "message"}`.
 */
export const DASHBOARD_ERRORS = {
  SIL_ADMIN_UNAUTHORIZED: { status: 401, message: 'admin or analyst token missing or invalid' },
  SIL_DASHBOARD_FILTER_INVALID: { status: 400, message: 'a filter is malformed' },
  SIL_DASHBOARD_QUERY_FAILED: { status: 503, message: 'the warehouse could not answer; retry' },
} as const

export type DashboardErrorCode = keyof typeof DASHBOARD_ERRORS
