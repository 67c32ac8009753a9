/**
 * The identity service's error catalogue. Codes are stable (docs/errors.md). These are
 * infrastructure errors: a batch that fails with one is delivered again after a back-off.
 */
export const IDENTITY_ERRORS = {
  SIL_IDENTITY_SYNC_TIMEOUT:
    'identity.changelog did not echo a barrier in time: no resolver is consuming identity.edges, or it is behind',
  SIL_IDENTITY_RULES_INVALID: 'the identity rules (SILLAGE_IDENTITY_RULES or the rules option) are invalid',
  SIL_IDENTITY_STOPPED: 'the identity service stopped while a batch waited for it',
} as const

export type IdentityErrorCode = keyof typeof IDENTITY_ERRORS

export class IdentityError extends Error {
  constructor(
    readonly code: IdentityErrorCode,
    options?: { cause?: unknown; message?: string },
  ) {
    super(options?.message ?? IDENTITY_ERRORS[code], options)
    this.name = 'IdentityError'
  }
}

/**
 * Why identity dead-lettered an events.raw record to events.invalid (docs/errors.md). Codes are
 * stable; the letter's message holds the detail (for a poison row, the engine's own message).
 */
export const IDENTITY_DEAD_LETTER_CODES = {
  SIL_WAREHOUSE_POISON_ROW: 'ClickHouse refused the event row on its own (a data error, not an outage)',
  SIL_IDENTITY_UNREADABLE_EVENT: 'the events.raw record is not an enriched event identity can read',
} as const

export type IdentityDeadLetterCode = keyof typeof IDENTITY_DEAD_LETTER_CODES
