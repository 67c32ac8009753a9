import { createServer, type Server } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { listenError, ListenError } from '@sillage/runtime'
import {
  assertCanListen,
  assertDataDirFree,
  DataDirInUseError,
  DEFAULT_PROFILES_PORT,
  profilesPortFor,
  startTarget,
} from './port-check.js'

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
    expect((err as ListenError).code).toBe('SIL_LISTEN_FAILED')
    expect((err as Error).message).toBe(
      `SIL_LISTEN_FAILED: SILLAGE_PROFILES_PORT: ${HOST}:${port} is already in use (another sillage start?); stop it or set another SILLAGE_PROFILES_PORT`,
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

/** The refusal of assertCanListen, as main.ts prints it. */
const refusal = (host: string, port: number) =>
  assertCanListen(host, port).then(
    () => 'accepted',
    (err: unknown) => (err instanceof ListenError ? err.message : `not a ListenError: ${String(err)}`),
  )

describe('a start that cannot listen: one line, a stable code, the variable and the address', () => {
  it('SILLAGE_PORT taken', async () => {
    const port = (await hold(0))!
    expect(await refusal(HOST, port)).toBe(
      `SIL_LISTEN_FAILED: SILLAGE_PORT: ${HOST}:${port} is already in use (another sillage start?); stop it or set another SILLAGE_PORT`,
    )
  })

  it('SILLAGE_HOST not an address of this machine (EADDRNOTAVAIL), even with SILLAGE_PORT=0', async () => {
    for (const port of [8080, 0]) {
      expect(await refusal('192.0.2.1', port)).toBe(
        `SIL_LISTEN_FAILED: SILLAGE_HOST: 192.0.2.1 is not an address of this machine (listening on 192.0.2.1:${port}); use one of its addresses, e.g. 127.0.0.1, or 0.0.0.0 for all`,
      )
    }
  })

  it('SILLAGE_HOST a name that does not resolve', async () => {
    expect(await refusal('no-such-host.invalid', 8080)).toMatch(
      /^SIL_LISTEN_FAILED: SILLAGE_HOST: "no-such-host\.invalid" does not resolve to an address \((ENOTFOUND|EAI_AGAIN)\); use an address of this machine, e.g\. 127\.0\.0\.1, or 0\.0\.0\.0 for all$/,
    )
  })

  it('a privileged port (EACCES) and anything else', () => {
    const err = (code: string) => Object.assign(new Error(`listen ${code}`), { code })
    expect(listenError(err('EACCES'), startTarget(HOST, 80)).message).toBe(
      `SIL_LISTEN_FAILED: SILLAGE_PORT: no permission to listen on ${HOST}:80; choose a port above 1023 with SILLAGE_PORT`,
    )
    expect(listenError(err('EMFILE'), startTarget(HOST, 8080, 'SILLAGE_PROFILES_PORT')).message).toBe(
      `SIL_LISTEN_FAILED: SILLAGE_PROFILES_PORT: cannot listen on ${HOST}:8080 (EMFILE: listen EMFILE)`,
    )
  })

  it('a data dir another start runs on', () => {
    const err = (() => {
      try {
        assertDataDirFree('/data', { pid: 42, url: 'http://127.0.0.1:8080' })
      } catch (e) {
        return e as DataDirInUseError
      }
      return undefined
    })()
    expect(err).toBeInstanceOf(DataDirInUseError)
    expect(err?.code).toBe('SIL_DATA_DIR_IN_USE')
    expect(err?.message).toBe(
      'SIL_DATA_DIR_IN_USE: SILLAGE_DATA_DIR: another sillage start (pid 42, http://127.0.0.1:8080) already runs on /data; stop it, or set another SILLAGE_DATA_DIR',
    )
  })
})
