import type { EventType } from '@sillage/schemas'
import { checkEcommerce, type EcommerceEvent, type EcommerceEvents } from './ecommerce.js'
import { SillageError } from './errors.js'
import type {
  AliasParams,
  AnyParams,
  GroupParams,
  IdentifyParams,
  Identity,
  PageParams,
  ScreenParams,
  TrackBase,
  TrackParams,
} from './types.js'

export type EcommerceParams<E extends EcommerceEvent, Ids = Identity> = TrackBase &
  Ids & { properties: EcommerceEvents[E] }

/**
 * The Segment calls and the e-commerce helpers. Each queues one event and returns its
 * `messageId` at once; delivery is confirmed by `flush()` / `close()`. A call that lacks a
 * required field throws `SIL_SDK_INVALID_EVENT`; delivery problems never throw here.
 */
export abstract class Calls<Ids = Identity> {
  protected abstract enqueue(type: EventType, params: AnyParams): string

  track(params: TrackParams<Ids>): string {
    return this.enqueue('track', params)
  }

  page(params: PageParams<Ids>): string {
    return this.enqueue('page', params)
  }

  screen(params: ScreenParams<Ids>): string {
    return this.enqueue('screen', params)
  }

  identify(params: IdentifyParams<Ids>): string {
    return this.enqueue('identify', params)
  }

  group(params: GroupParams<Ids>): string {
    return this.enqueue('group', params)
  }

  alias(params: AliasParams): string {
    return this.enqueue('alias', params)
  }

  /** A Segment E-commerce v2 event with typed properties. */
  ecommerce<E extends EcommerceEvent>(event: E, params: EcommerceParams<E, Ids>): string {
    const properties = (params as { properties?: Record<string, unknown> }).properties ?? {}
    const problem = checkEcommerce(event, properties)
    if (problem) throw new SillageError('SIL_SDK_INVALID_EVENT', problem)
    return this.enqueue('track', { ...params, event })
  }

  /** `Order Completed`, with its line items in `properties.products`. */
  orderCompleted(params: EcommerceParams<'Order Completed', Ids>): string {
    return this.ecommerce('Order Completed', params)
  }

  /** `Order Refunded`: the whole order, or the refunded lines in `properties.products`. */
  orderRefunded(params: EcommerceParams<'Order Refunded', Ids>): string {
    return this.ecommerce('Order Refunded', params)
  }
}
