import { describe, expect, it } from 'vitest'
import { CollectorSendError, createCollectorSender } from './collector-sender.js'

const event = { type: 'track', messageId: 'm1', event: 'x', userId: 'u' }
const ev = [JSON.stringify(event)]

function fakeFetch(answers: Array<[number, unknown, Record<string, string>?]>) {
  const calls: Array<{ url: string; init: RequestInit }> = []
  const f = (async (url: string, init: RequestInit) => {
    calls.push({ url, init })
    const [status, body, headers] = answers.shift() ?? [500, {}]
    return new Response(JSON.stringify(body), { status, headers })
  }) as unknown as typeof fetch
  return { f, calls }
}

describe('createCollectorSender', () => {
  it('posts to /v1/import with the write key, without sentAt, and reports the rejections', async () => {
    const { f, calls } = fakeFetch([
      [
        200,
        { success: true, accepted: 0, rejected: [{ index: 0, code: 'SIL_EVENT_SCHEMA', message: 'bad' }] },
      ],
    ])
    const sender = createCollectorSender({ url: 'http://c:1/', writeKey: 'sk_x', fetch: f })
    expect(await sender.send(ev)).toEqual({
      accepted: 0,
      rejected: [{ index: 0, code: 'SIL_EVENT_SCHEMA', message: 'bad' }],
    })
    expect(calls[0]?.url).toBe('http://c:1/v1/import')
    expect((calls[0]?.init.headers as Record<string, string>)['authorization']).toBe(
      `Basic ${Buffer.from('sk_x:').toString('base64')}`,
    )
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ batch: [event] })
  })

  it('retries the same body on 503 and 429, honouring Retry-After', async () => {
    const waits: number[] = []
    const { f, calls } = fakeFetch([
      [503, { code: 'SIL_BUS_UNAVAILABLE' }, { 'retry-after': '2' }],
      [429, { code: 'SIL_RATE_LIMITED' }],
      [200, { success: true, accepted: 1, rejected: [] }],
    ])
    const sender = createCollectorSender({
      url: 'http://c',
      writeKey: 'k',
      fetch: f,
      delay: async (ms) => void waits.push(ms),
    })
    expect(await sender.send(ev)).toEqual({ accepted: 1, rejected: [] })
    expect(calls.map((c) => c.init.body)).toEqual(Array(3).fill(calls[0]?.init.body))
    expect(waits[0]).toBe(2000)
  })

  it('treats an all-rejected batch as an answer, and a 401 as a failure', async () => {
    const all = fakeFetch([
      [
        400,
        {
          code: 'SIL_BATCH_ALL_REJECTED',
          rejected: [{ index: 0, code: 'SIL_EVENT_NO_IDENTITY', message: 'm' }],
        },
      ],
    ])
    expect(
      (await createCollectorSender({ url: 'http://c', writeKey: 'k', fetch: all.f }).send(ev)).rejected,
    ).toHaveLength(1)
    const denied = fakeFetch([[401, { code: 'SIL_AUTH_INVALID', message: 'unknown write key' }]])
    await expect(
      createCollectorSender({ url: 'http://c', writeKey: 'k', fetch: denied.f }).send(ev),
    ).rejects.toThrow(CollectorSendError)
  })
})

describe('createCollectorSender: a batch over the collector limit (413)', () => {
  /** A collector that answers 413 to a body over `limit` bytes, else accepts every event. */
  function limitedFetch(limit: number) {
    const bodies: string[] = []
    const f = (async (_url: string, init: RequestInit) => {
      const body = String(init.body)
      bodies.push(body)
      if (Buffer.byteLength(body) > limit) {
        return new Response(JSON.stringify({ code: 'SIL_PAYLOAD_TOO_LARGE' }), { status: 413 })
      }
      const n = (JSON.parse(body) as { batch: unknown[] }).batch.length
      return new Response(JSON.stringify({ accepted: n, rejected: [] }), { status: 200 })
    }) as unknown as typeof fetch
    return { f, bodies }
  }
  const small = (i: number) => JSON.stringify({ ...event, messageId: `m${i}` })

  it('refuses the one event too large alone (SIL_IMPORT_ROW_TOO_LARGE) and sends the others', async () => {
    const { f } = limitedFetch(2000)
    const sender = createCollectorSender({ url: 'http://c:1', writeKey: 'k', fetch: f })
    const big = JSON.stringify({ ...event, messageId: 'big', properties: { note: 'x'.repeat(5000) } })
    const batch = [small(0), small(1), big, small(3), small(4)]
    const r = await sender.send(batch)
    expect(r.accepted).toBe(4)
    expect(r.rejected).toEqual([{ index: 2, code: 'SIL_IMPORT_ROW_TOO_LARGE', message: expect.any(String) }])
  })

  it('sends batches too large together in parts, and cuts later ones before sending', async () => {
    const { f, bodies } = limitedFetch(400)
    const sender = createCollectorSender({ url: 'http://c:1', writeKey: 'k', fetch: f })
    const batch = Array.from({ length: 8 }, (_, i) => small(i))
    expect(await sender.send(batch)).toEqual({ accepted: 8, rejected: [] })
    const sentIds = () =>
      bodies
        .filter((b) => Buffer.byteLength(b) <= 400)
        .flatMap((b) =>
          (JSON.parse(b) as { batch: Array<{ messageId: string }> }).batch.map((e) => e.messageId),
        )
    expect(sentIds()).toEqual(batch.map((_, i) => `m${i}`))
    const before = bodies.length
    expect(await sender.send(batch)).toEqual({ accepted: 8, rejected: [] })
    // A body as large as one refused is not sent again whole.
    expect(bodies.slice(before).every((b) => Buffer.byteLength(b) <= 400)).toBe(true)
  })
})
