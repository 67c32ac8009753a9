import { createServer, type Server } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_PROFILES_PORT, ListenError, profilesPortFor } from './port-check.js'

const HOST = '127.0.0.1'
const servers: Server[] = []
/** Holds a port (0: any) on the loopback; undefined when another process holds it already. */
const hold = (port: number) =>
  new Promise<number | undefined>((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(undefined))
    server.listen({ port, host: HOST, exclusive: true }, () => {
      servers.push(server)
      resolve((server.address() as { port: number }).port)
    })
  })

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

describe('profilesPortFor (sillage start, the profiles thread)', () => {
  it('takes SILLAGE_PROFILES_PORT when it is free', async () => {
    const port = (await hold(0))!
    await new Promise((r) => servers.pop()!.close(r))
    expect(await profilesPortFor(HOST, 8080, port)).toBe(port)
  })

  it('refuses a taken SILLAGE_PROFILES_PORT in one line naming the variable', async () => {
    const port = (await hold(0))!
    const err = await profilesPortFor(HOST, 8080, port).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ListenError)
    expect((err as Error).message).toBe(
      `sillage start: port ${port} is already in use on ${HOST} (another sillage start?); stop it or set SILLAGE_PROFILES_PORT`,
    )
  })

  it('unset, falls back to any free port when 8090 is taken', async () => {
    // Held here, or by another process already (another test's sillage start): taken either way.
    await hold(DEFAULT_PROFILES_PORT)
    expect(await profilesPortFor(HOST, 8080, undefined)).toBe(0)
  })

  it('unset, takes any free port when the collector does (SILLAGE_PORT=0) or holds 8090', async () => {
    expect(await profilesPortFor(HOST, 0, undefined)).toBe(0)
    expect(await profilesPortFor(HOST, DEFAULT_PROFILES_PORT, undefined)).toBe(0)
  })
})
