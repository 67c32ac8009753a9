import { writeSync } from 'node:fs'
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import type { EventType } from '@sillage/schemas'
import { Calls } from './calls.js'
import { systemClock, type Clock } from './clock.js'
import { SillageError, summarise, type FailedEvent, type SdkErrorCode } from './errors.js'
import { buildEvent } from './event-builder.js'
import { guardExit } from './exit-guard.js'
import { resolveOptions, type ResolvedOptions, type SillageOptions } from './options.js'
import type { ProfileIdentifierType, ProfileResult, RecommendationsResult } from './profile-types.js'
import { ProfilesReader, type ProfileLookupOptions, type RecommendationOptions } from './profiles.js'
import { Publisher, type PublisherStats } from './publisher.js'
import { createFetchTransport } from './transport.js'
import type { AnyParams, OptionalIdentity } from './types.js'
import { ulid } from './ulid.js'
import { SDK_NAME, SDK_VERSION } from './version.js'
import { visitorFromRequest, type RequestLike, type Visitor, type VisitorOptions } from './visitor.js'

const gzipAsync = promisify(gzip)

/** Calls bound to one browser visitor: its anonymous id, session and consent are attached. */
export class VisitorCalls extends Calls<OptionalIdentity> {
  constructor(
    readonly visitor: Readonly<Visitor>,
    private readonly send: (type: EventType, params: AnyParams, visitor: Visitor) => string,
  ) {
    super()
  }

  protected enqueue(type: EventType, params: AnyParams): string {
    return this.send(type, params, this.visitor)
  }
}

export interface FlushOptions {
  /** Give up waiting after this long: flush() rejects with SIL_SDK_FLUSH_TIMEOUT. */
  timeoutMs?: number
}

export interface CloseOptions {
  /**
   * Abandon what is still undelivered after this long: close() rejects with SIL_SDK_CLOSE_TIMEOUT.
   * Default: the `closeTimeoutMs` option (20 s).
   */
  timeoutMs?: number
}

/**
 * The Sillage Node client. One per process: it batches, retries and reports.
 *
 * ```ts
 * const sillage = new Sillage({ writeKey: process.env.SILLAGE_WRITE_KEY, host: 'https://collect.shop.example' })
 * sillage.orderCompleted({ userId: 'u1', properties: { order_id: 'o1', total: 42, currency: 'EUR', products } })
 * await sillage.close() // before the process exits
 * ```
 */
export class Sillage extends Calls {
  readonly options: ResolvedOptions
  readonly #clock: Clock
  readonly #publisher: Publisher
  readonly #onError: ((error: SillageError) => void) | undefined
  readonly #unguard: () => void
  readonly #profiles: ProfilesReader
  #closing: Promise<void> | undefined

  constructor(options: SillageOptions) {
    super()
    this.options = resolveOptions(options)
    this.#clock = options.clock ?? systemClock
    this.#onError = options.onError
    const auth = Buffer.from(`${this.options.writeKey}:`).toString('base64')
    this.#publisher = new Publisher({
      options: this.options,
      transport: options.transport ?? createFetchTransport(),
      clock: this.#clock,
      compress: (body) => gzipAsync(body),
      headers: Object.freeze({
        'content-type': 'application/json',
        authorization: `Basic ${auth}`,
        'user-agent': `${SDK_NAME}/${SDK_VERSION} node/${process.version}`,
      }),
      report: (error) => this.#report(error),
    })
    this.#unguard = guardExit(() => this.#reportAtExit())
    this.#profiles = new ProfilesReader({
      baseUrl: this.options.profileBaseUrl,
      readKey: options.readKey,
      timeoutMs: options.profileTimeoutMs ?? 300,
      transport: options.transport ?? createFetchTransport(),
    })
  }

  /**
   * A person's profile by any identifier (docs/profiles.md); needs `readKey`. Resolves
   * `unavailable` instead of throwing when the service is down or slow.
   */
  profile(type: ProfileIdentifierType, value: string, opts?: ProfileLookupOptions): Promise<ProfileResult> {
    return this.#profiles.profile(type, value, opts)
  }

  /** A product page's recommendations; `fallback` products when the service does not answer. */
  recommendations(productId: string, opts?: RecommendationOptions): Promise<RecommendationsResult> {
    return this.#profiles.recommendations(productId, opts)
  }

  protected enqueue(type: EventType, params: AnyParams): string {
    return this.#enqueue(type, params, undefined)
  }

  /** Calls that carry this visitor's anonymous id, session and consent. */
  withVisitor(visitor: Visitor): VisitorCalls {
    return new VisitorCalls(Object.freeze({ ...visitor }), (type, params, v) =>
      this.#enqueue(type, params, v),
    )
  }

  /** Calls for the browser visitor behind an HTTP request (Node, Express or Fastify). */
  forRequest(req: RequestLike, opts?: VisitorOptions): VisitorCalls {
    return this.withVisitor(visitorFromRequest(req, opts))
  }

  /**
   * Sends everything queued so far and resolves once the collector has accepted all of it.
   * Rejects with a SillageError whose `failed` lists every event that could not be delivered
   * (including events dropped or failed since the previous flush); nothing is dropped silently.
   */
  async flush(opts: FlushOptions = {}): Promise<void> {
    const wait = this.#publisher.flush()
    let timer
    const timedOut = new Promise<'timeout'>((resolve) => {
      if (opts.timeoutMs !== undefined) timer = this.#clock.setTimer(() => resolve('timeout'), opts.timeoutMs)
    })
    const outcome = await Promise.race([wait.promise, timedOut])
    ;(timer as { cancel(): void } | undefined)?.cancel()
    if (outcome === 'timeout') {
      const failed = wait.cancel()
      const pending = this.#publisher.undelivered(wait.target)
      throw new SillageError('SIL_SDK_FLUSH_TIMEOUT', `${pending.length} events still undelivered`, {
        failed,
        pending,
      })
    }
    if (outcome.length > 0) throw flushError(outcome)
  }

  /**
   * Stops accepting calls, delivers everything queued, and releases timers and listeners.
   * Idempotent: every call returns the same promise. Await it before the process exits.
   */
  close(opts: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(opts.timeoutMs ?? this.options.closeTimeoutMs)
    return this.#closing
  }

  stats(): PublisherStats {
    return this.#publisher.stats()
  }

  async #close(timeoutMs: number | undefined): Promise<void> {
    const wait = this.#publisher.flush()
    const timer =
      timeoutMs === undefined
        ? undefined
        : this.#clock.setTimer(
            () => this.#publisher.abandon('SIL_SDK_CLOSE_TIMEOUT', `not accepted within ${timeoutMs} ms`),
            timeoutMs,
          )
    try {
      const failed = await wait.promise
      if (failed.length > 0) throw flushError(failed)
    } finally {
      timer?.cancel()
      this.#publisher.stop()
      this.#unguard()
    }
  }

  #enqueue(type: EventType, params: AnyParams, visitor: Visitor | undefined): string {
    const event = buildEvent(type, params, this.#clock.now(), ulid, visitor)
    if (this.#closing) {
      this.#publisher.reject(event, 'SIL_SDK_CLOSED', `${type}() after close()`)
      return event.messageId
    }
    let json: string
    try {
      json = JSON.stringify(event)
    } catch (cause) {
      throw new SillageError('SIL_SDK_INVALID_EVENT', `not serialisable as JSON: ${String(cause)}`, { cause })
    }
    const bytes = Buffer.byteLength(json)
    if (bytes > this.options.maxEventBytes) {
      const reason = `${bytes} bytes, limit ${this.options.maxEventBytes}`
      this.#publisher.reject(event, 'SIL_SDK_EVENT_TOO_LARGE', reason)
    } else {
      this.#publisher.enqueue(event, json, bytes)
    }
    return event.messageId
  }

  #report(error: SillageError): void {
    if (!this.#onError) {
      process.emitWarning(error.message, { type: 'SillageWarning', code: error.code })
      return
    }
    try {
      this.#onError(error)
    } catch (cause) {
      process.emitWarning(`onError threw: ${String(cause)}`, { type: 'SillageWarning', code: error.code })
    }
  }

  /** At exit nothing asynchronous runs: report what is lost, synchronously. */
  #reportAtExit(): void {
    const undelivered = this.#publisher.undelivered()
    if (undelivered.length === 0) return
    const failed: FailedEvent[] = undelivered.map((event) => ({
      messageId: event.messageId,
      code: 'SIL_SDK_UNDELIVERED_AT_EXIT',
      reason: 'process exit before close() resolved',
      event,
    }))
    const error = new SillageError('SIL_SDK_UNDELIVERED_AT_EXIT', `${failed.length} events`, { failed })
    if (this.#onError) this.#report(error)
    else writeSync(2, `SillageWarning [${error.code}]: ${error.message}\n`)
  }
}

function flushError(failed: FailedEvent[]): SillageError {
  const code: SdkErrorCode = failed.every((f) => f.code === 'SIL_SDK_CLOSE_TIMEOUT')
    ? 'SIL_SDK_CLOSE_TIMEOUT'
    : 'SIL_SDK_FLUSH_FAILED'
  return new SillageError(code, summarise(failed), { failed })
}
