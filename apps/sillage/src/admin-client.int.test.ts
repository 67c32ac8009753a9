import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AdminTimeoutError, createAdminClient } from './admin-client.js'

// The CLI's admin client against a real server on 127.0.0.1 that accepts connections and, on the
// paths below, never answers (or answers the headers and never ends the body): a hung `sillage
// start`. The client's timeout is shortened here; the test's own timeout bounds it.
const held: ServerResponse[] = []
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const path = req.url ?? ''
  req.resume()
  if (path.startsWith('/hung')) return void held.push(res)
  if (path === '/stalled-body') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write('{"partial":')
    return void held.push(res)
  }
  if (path === '/slow') {
    // Longer than the client's default timeout: only an unbounded call gets it.
    setTimeout(() => res.end('{"rows":1}'), 600)
    return
  }
  res.end('{"ok":true}')
})
let url = ''
let hungHealthUrl = ''
const hungHealth = createServer((_req, res) => void held.push(res))

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  await new Promise<void>((r) => hungHealth.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  hungHealthUrl = `http://127.0.0.1:${(hungHealth.address() as AddressInfo).port}`
})
afterAll(async () => {
  for (const res of held) res.destroy()
  server.closeAllConnections()
  hungHealth.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
  await new Promise<void>((r) => hungHealth.close(() => r()))
})

const client = (base = url) => createAdminClient({ url: base, token: 't', timeoutMs: 150 })

describe('admin client timeout', () => {
  it('fails a call the server never answers with SIL_CLI_ADMIN_TIMEOUT naming the URL and the timeout', async () => {
    const err = await client()
      .call('GET', '/hung/admin/doctor')
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AdminTimeoutError)
    expect(err).toMatchObject({ code: 'SIL_CLI_ADMIN_TIMEOUT', timeoutMs: 150 })
    expect((err as Error).message).toContain(`GET ${url}/hung/admin/doctor`)
    expect((err as Error).message).toContain('within 150 ms')
    expect((err as Error).message).toMatch(/^SIL_CLI_ADMIN_TIMEOUT: /)
  })

  it('also fails a call whose body never ends', async () => {
    const err = await client()
      .call('GET', '/stalled-body')
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'SIL_CLI_ADMIN_TIMEOUT' })
  })

  it('applies a per-call timeout', async () => {
    const err = await createAdminClient({ url, token: 't' })
      .call('POST', '/hung/admin/dlq/replay', {}, { timeoutMs: 100 })
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'SIL_CLI_ADMIN_TIMEOUT', timeoutMs: 100 })
  })

  it('does not cut off an unbounded call (timeoutMs 0) that takes longer than the default', async () => {
    await expect(client().call('POST', '/slow', { sql: 'SELECT 1' }, { timeoutMs: 0 })).resolves.toBe(
      '{"rows":1}',
    )
  })

  it('still fails an unbounded call when the process does not answer /healthz', async () => {
    const err = await client(hungHealthUrl)
      .call('POST', '/admin/query', { sql: 'SELECT 1' }, { timeoutMs: 0 })
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'SIL_CLI_ADMIN_TIMEOUT' })
    expect((err as Error).message).toContain(`GET ${hungHealthUrl}/healthz`)
  })

  it('answers at once when the server does', async () => {
    await expect(client().call('GET', '/admin/doctor')).resolves.toBe('{"ok":true}')
  })
})
