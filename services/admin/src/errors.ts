/**
 * The admin API's error catalogue (`/admin/privacy/*`). Codes are stable: operators, docs
 * (docs/errors.md) and tests rely on them. Responses are `{"success": false, "code", "message"}`.
 */
export const ADMIN_ERRORS = {
  SIL_ADMIN_UNAUTHORIZED: { status: 401, message: 'admin token missing or invalid' },
  SIL_PRIVACY_REQUEST_INVALID: {
    status: 400,
    message: 'body must name one identifier: {"type": "email", "value": "…"}',
  },
  SIL_PRIVACY_IDENTIFIER_INVALID: {
    status: 400,
    message: 'not a usable identifier: an invalid email or phone, or a value that is never an identifier',
  },
  SIL_PRIVACY_BODY_TOO_LARGE: {
    status: 413,
    message: 'request body too large: a privacy request is one identifier (16 KiB at most)',
  },
  SIL_PRIVACY_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'the body must be JSON, sent with Content-Type: application/json',
  },
  SIL_PRIVACY_EXPORT_TOO_LARGE: {
    status: 413,
    message:
      'the person has more rows than an export holds (docs/privacy.md#export-size); export them from the warehouse',
  },
  SIL_PRIVACY_SUBJECT_NOT_FOUND: { status: 404, message: 'nothing is held about this identifier' },
  SIL_PRIVACY_REQUEST_NOT_FOUND: { status: 404, message: 'no erasure request with this id' },
  SIL_PRIVACY_ERASURE_FAILED: {
    status: 503,
    message: 'the erasure could not complete and is recorded as failed; retry it (it is idempotent)',
  },
  SIL_NOT_FOUND: { status: 404, message: 'no such endpoint' },
  SIL_INTERNAL: { status: 500, message: 'internal error' },
} as const

export type AdminErrorCode = keyof typeof ADMIN_ERRORS

export class AdminError extends Error {
  readonly status: number
  constructor(
    readonly code: AdminErrorCode,
    options?: { cause?: unknown; message?: string },
  ) {
    super(options?.message ?? ADMIN_ERRORS[code].message, options)
    this.name = 'AdminError'
    this.status = ADMIN_ERRORS[code].status
  }
}
