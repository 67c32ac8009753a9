import type { EventInput, EventType } from '@sillage/schemas'

/**
 * Call parameters, derived from the zod envelope in `@sillage/schemas` (types only: zod is not a
 * run-time dependency of the SDK). Dates may also be `Date` objects.
 */
type Input<T extends EventType> = Extract<EventInput, { type: T }>

/** Fields the SDK sets itself. */
type SdkManaged = 'type' | 'timestamp' | 'originalTimestamp' | 'sentAt' | 'version' | 'channel'

export type Id = string | number

/** Every call needs a user id or an anonymous id (the browser visitor's, for example). */
export type Identity =
  { userId: Id; anonymousId?: Id | null | undefined } | { userId?: Id | null | undefined; anonymousId: Id }

/** Ids are optional when a visitor (from the request's cookies) provides the anonymous id. */
export interface OptionalIdentity {
  userId?: Id | null | undefined
  anonymousId?: Id | null | undefined
}

interface Common {
  /** When the event happened; defaults to now. */
  timestamp?: Date | string | number
}

type Params<T extends EventType, Ids> = Omit<Input<T>, SdkManaged | 'userId' | 'anonymousId'> & Common & Ids

export type TrackParams<Ids = Identity> = Params<'track', Ids>
export type PageParams<Ids = Identity> = Params<'page', Ids>
export type ScreenParams<Ids = Identity> = Params<'screen', Ids>
export type IdentifyParams<Ids = Identity> = Params<'identify', Ids>
export type GroupParams<Ids = Identity> = Params<'group', Ids>
/** alias links `previousId` to `userId`; both are required. */
export type AliasParams = Omit<Input<'alias'>, SdkManaged> & Common

/** Track's fields other than the event name and properties, for the e-commerce helpers. */
export type TrackBase = Omit<Input<'track'>, SdkManaged | 'userId' | 'anonymousId' | 'event' | 'properties'> &
  Common

/** What any call accepts, before the SDK fills in the managed fields. */
export type AnyParams = object

/** An event as the SDK sends it: the Segment envelope with its messageId and timestamp set. */
export interface OutgoingEvent {
  type: EventType
  messageId: string
  timestamp: string
  [field: string]: unknown
}
