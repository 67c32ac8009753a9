/** The activation admin API's error catalogue (docs/activation.md lists every code). */
export const ACTIVATION_ERRORS = {
  SIL_ADMIN_UNAUTHORIZED: { status: 401, message: 'admin token missing or invalid' },
  SIL_AUDIENCE_INVALID: { status: 400, message: 'invalid audience' },
  SIL_AUDIENCE_NOT_FOUND: { status: 404, message: 'no such audience' },
  SIL_AUDIENCE_EXISTS: { status: 409, message: 'an audience with this id exists' },
  SIL_AUDIENCE_READ_ONLY: {
    status: 409,
    message: 'this audience is defined in the activation file: edit the file',
  },
  SIL_AUDIENCE_VERSION_CONFLICT: { status: 409, message: 'the audience changed since the version you sent' },
  SIL_NOT_FOUND: { status: 404, message: 'no such endpoint' },
  SIL_INTERNAL: { status: 500, message: 'internal error' },
} as const

export type ActivationErrorCode = keyof typeof ACTIVATION_ERRORS

export class ActivationError extends Error {
  readonly status: number
  constructor(
    readonly code: ActivationErrorCode,
    message?: string,
    readonly details?: unknown,
  ) {
    super(message ?? ACTIVATION_ERRORS[code].message)
    this.name = 'ActivationError'
    this.status = ACTIVATION_ERRORS[code].status
  }
}
