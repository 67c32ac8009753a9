/** Profiles options for tests, without read keys: a refresh a second, no scoring unless asked, no rate limit. */
export const TEST_PROFILE_OPTIONS = {
  refreshIntervalMs: 1000,
  refreshOverlapMs: 2000,
  scoreIntervalMs: 3_600_000,
  rateLimitPerMinute: 1_000_000,
  recommendationDays: 365,
  recommendationLimit: 10,
  cacheProfiles: 10_000,
}
