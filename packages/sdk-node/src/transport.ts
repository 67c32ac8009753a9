/**
 * The HTTP client, injected (as in analytics-next) so that unit tests use a fake transport and
 * applications can bring their own (a proxy agent, an undici pool, a test double).
 */
export interface HttpRequest {
  url: string
  /** GET for profile reads (no body). */
  method: 'POST' | 'GET'
  headers: Record<string, string>
  body: string | Uint8Array
  timeoutMs: number
  /** Aborted when close() gives up. */
  signal?: AbortSignal
}

export interface HttpResponse {
  status: number
  headers: { get(name: string): string | null }
  /** The body; the SDK always reads it, so that keep-alive sockets are released. */
  text(): Promise<string>
  /**
   * The body as a stream (fetch's `Response.body`), when the transport has one: the SDK then
   * reads at most 1 MiB of it and cancels the rest (src/read-body.ts). Without it, `text()`.
   */
  readonly body?: ReadableStream<Uint8Array> | null
}

export interface Transport {
  /** Resolves with any HTTP response; rejects only when no response came (network, timeout). */
  send(request: HttpRequest): Promise<HttpResponse>
}

/** The default transport: Node's global fetch (undici, keep-alive), with a per-request timeout. */
export function createFetchTransport(fetchImpl: typeof fetch = globalThis.fetch): Transport {
  return {
    send(request) {
      const timeout = AbortSignal.timeout(request.timeoutMs)
      const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout
      return fetchImpl(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.method === 'GET' ? {} : { body: request.body }),
        signal,
      })
    },
  }
}
