/**
 * The profiles service's error catalogue (docs/profiles.md#errors). Codes are stable; statuses
 * are what the HTTP routes answer.
 */
export const PROFILE_ERRORS = {
  SIL_PROFILE_UNAUTHORIZED: {
    status: 401,
    message: 'a profile read key is required (Authorization: Bearer <read key>)',
  },
  SIL_PROFILE_BROWSER_KEY_INVALID: {
    status: 401,
    message: "a browser source's write key is required (?writeKey=<write key>); never a read key",
  },
  SIL_PROFILE_FORBIDDEN: { status: 403, message: "the request's Origin is not allowed by this source" },
  SIL_PROFILE_BAD_IDENTIFIER: { status: 400, message: 'unknown identifier type or unusable value' },
  SIL_PROFILE_NOT_FOUND: { status: 404, message: 'no profile for this identifier' },
  SIL_PROFILE_RATE_LIMITED: { status: 429, message: 'too many profile lookups for this key' },
  SIL_PROFILE_BAD_REQUEST: { status: 400, message: 'product_id is required' },
  SIL_PROFILE_URI_TOO_LONG: { status: 414, message: 'identifier values are limited to 1 KB' },
  SIL_PROFILE_UNAVAILABLE: { status: 503, message: 'the profile store is unavailable' },
  SIL_PROFILE_CONFIG_INVALID: { status: 500, message: 'the profiles configuration is invalid' },
  SIL_NOT_FOUND: { status: 404, message: 'no such endpoint' },
  SIL_METHOD_NOT_ALLOWED: { status: 405, message: 'this endpoint does not answer that HTTP method' },
} as const

export type ProfileErrorCode = keyof typeof PROFILE_ERRORS

export class ProfileError extends Error {
  readonly status: number
  constructor(
    readonly code: ProfileErrorCode,
    options?: { cause?: unknown; message?: string },
  ) {
    super(options?.message ?? PROFILE_ERRORS[code].message, options)
    this.name = 'ProfileError'
    this.status = PROFILE_ERRORS[code].status
  }
}

/** The JSON body of an error answer: never a stack trace. */
export function errorBody(code: ProfileErrorCode): { error: { code: ProfileErrorCode; message: string } } {
  return { error: { code, message: PROFILE_ERRORS[code].message } }
}
