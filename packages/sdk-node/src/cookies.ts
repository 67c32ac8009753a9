import type { SILLAGE_COOKIES as SharedCookies } from '@sillage/schemas'

/**
 * The browser SDK's first-party cookie names, defined once in `schemas/src/cookies.ts`.
 *
 * The Node SDK has no run-time dependency on `@sillage/schemas` (it would pull zod in, and the
 * CommonJS build cannot `require` an ES module on every Node 20), so it keeps this copy; the
 * annotation makes the compiler check it against the shared constants, and the build fails the
 * day someone renames a cookie on one side only.
 */
export const COOKIES: typeof SharedCookies = {
  anonymousId: 'sil_aid',
  session: 'sil_sid',
  consent: 'sil_consent',
}
