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
