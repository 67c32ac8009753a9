/**
 * The profile API's answers as the SDK returns them. The profile itself is the service's own
 * response schema (@sillage/schemas, schemas/src/profile.ts); docs/profiles.md is the reference.
 */
import type { Profile, Recommendation } from '@sillage/schemas'

export type {
  Profile,
  ProfileIdentifierType,
  ProfileWindows as Windows,
  Recommendation,
} from '@sillage/schemas'

/**
 * A lookup's outcome. `unavailable` (timeout, network error, 5xx, 429) never throws: a page
 * renders without the profile rather than wait on Sillage.
 */
export type ProfileResult =
  | { status: 'found'; profile: Profile }
  | { status: 'not_found' }
  | { status: 'unavailable'; reason: string; httpStatus?: number }

export interface RecommendationsResult {
  items: Recommendation[]
  /** True when the service did not answer in time and `fallback` products were returned. */
  fallback: boolean
}
