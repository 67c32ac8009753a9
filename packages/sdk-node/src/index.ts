export { Sillage, VisitorCalls, type CloseOptions, type FlushOptions } from './client.js'
export { Calls, type EcommerceParams } from './calls.js'
export type { SillageOptions, OverflowPolicy } from './options.js'
export { SillageError, SDK_ERRORS, type SdkErrorCode, type FailedEvent } from './errors.js'
export type { PublisherStats as SillageStats } from './publisher.js'
export { createFetchTransport, type Transport, type HttpRequest, type HttpResponse } from './transport.js'
export type { Clock, TimerHandle } from './clock.js'
export {
  visitorFromRequest,
  visitorFromCookies,
  parseCookies,
  parseConsentCookie,
  type Visitor,
  type VisitorOptions,
  type RequestLike,
} from './visitor.js'
export { sillageExpress, sillageFastify } from './middleware.js'
export { COOKIES } from './cookies.js'
export { ulid } from './ulid.js'
export { SDK_NAME, SDK_VERSION } from './version.js'
export type { ProfileLookupOptions, ProfileReadOptions, RecommendationOptions } from './profiles.js'
export type * from './profile-types.js'
export type * from './ecommerce.js'
export type {
  Identity,
  OptionalIdentity,
  Id,
  TrackParams,
  PageParams,
  ScreenParams,
  IdentifyParams,
  GroupParams,
  AliasParams,
  OutgoingEvent,
} from './types.js'
