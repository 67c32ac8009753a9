import { createServer, type Server } from 'node:net'
import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { logStartupFailure } from './lifecycle.js'
import { listenError, ListenError, listenOn, type ListenTarget } from './listen-error.js'
import { createLogger } from './logger.js'
import { createMetricsRegistry } from './metrics.js'
import { createOpsServer } from './ops-server.js'

const HOST = '127.0.0.1'
const servers: Server[] = []
/** Holds any free port on the loopback, as another process would. */
const hold = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen({ port: 0, host: HOST, exclusive: true }, () => {
      servers.push(server)
      resolve((server.address() as { port: number }).port)
    })
  })
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

const admin = (port: number, host = HOST): ListenTarget => ({
  variable: 'SILLAGE_ADMIN_PORT',
  hostVariable: 'SILLAGE_ADMIN_HOST',
  host,
  port,
})
const errno = (code: string) => Object.assign(new Error(`listen ${code}`), { code })
/** A plain listen on host:port, as app.listen does. */
const listen = (port: number, host = HOST) =>
  new Promise<void>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen({ port, host, exclusive: true }, () => {
      servers.push(server)
      resolve()
    })
  })

describe('listenError: one line naming the variable to change, then the address', () => {
  it('a taken port (EADDRINUSE), with or without a hint of who holds it', () => {
    expect(listenError(errno('EADDRINUSE'), admin(8081)).message).toBe(
      `SIL_LISTEN_FAILED: SILLAGE_ADMIN_PORT: ${HOST}:8081 is already in use; stop what holds it or set another SILLAGE_ADMIN_PORT`,
    )
    expect(listenError(errno('EADDRINUSE'), { ...admin(8081), hint: 'another sillage start?' }).message).toBe(
      `SIL_LISTEN_FAILED: SILLAGE_ADMIN_PORT: ${HOST}:8081 is already in use (another sillage start?); stop it or set another SILLAGE_ADMIN_PORT`,
    )
  })

  it('a privileged port (EACCES), and any other errno with its message', () => {
    expect(listenError(errno('EACCES'), admin(80)).message).toBe(
      `SIL_LISTEN_FAILED: SILLAGE_ADMIN_PORT: no permission to listen on ${HOST}:80; choose a port above 1023 with SILLAGE_ADMIN_PORT`,
    )
    expect(listenError(errno('EMFILE'), admin(8081)).message).toBe(
      `SIL_LISTEN_FAILED: SILLAGE_ADMIN_PORT: cannot listen on ${HOST}:8081 (EMFILE: listen EMFILE)`,
    )
  })

  it('a host that is not an address of this machine, or does not resolve: the host variable', () => {
    const notHere = listenError(errno('EADDRNOTAVAIL'), admin(8081, '192.0.2.1'))
    expect(notHere.message).toBe(
      'SIL_LISTEN_FAILED: SILLAGE_ADMIN_HOST: 192.0.2.1 is not an address of this machine (listening on 192.0.2.1:8081); use one of its addresses, e.g. 127.0.0.1, or 0.0.0.0 for all',
    )
    expect([notHere.variable, notHere.address]).toEqual(['SILLAGE_ADMIN_HOST', '192.0.2.1:8081'])
    expect(listenError(errno('ENOTFOUND'), admin(8081, 'nope.invalid')).message).toBe(
      'SIL_LISTEN_FAILED: SILLAGE_ADMIN_HOST: "nope.invalid" does not resolve to an address (ENOTFOUND); use an address of this machine, e.g. 127.0.0.1, or 0.0.0.0 for all',
    )
  })

  it('keeps the cause, the code, the variable and the address', () => {
    const cause = errno('EADDRINUSE')
    const err = listenError(cause, admin(8081))
    expect(err).toBeInstanceOf(ListenError)
    expect(err.cause).toBe(cause)
    expect(err.logFields()).toEqual({
      code: 'SIL_LISTEN_FAILED',
      variable: 'SILLAGE_ADMIN_PORT',
      address: `${HOST}:8081`,
      errno: 'EADDRINUSE',
    })
  })
})

describe('listenOn: a real listen that fails', () => {
  it('passes a listen that succeeds through', async () => {
    await expect(listenOn(admin(0), () => listen(0))).resolves.toBeUndefined()
  })

  it('turns a taken port into its ListenError', async () => {
    const port = await hold()
    const err = await listenOn(admin(port), () => listen(port)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ListenError)
    expect((err as ListenError).message).toBe(
      `SIL_LISTEN_FAILED: SILLAGE_ADMIN_PORT: ${HOST}:${port} is already in use; stop what holds it or set another SILLAGE_ADMIN_PORT`,
    )
  })

  it('the ops server names SILLAGE_METRICS_PORT, and SILLAGE_METRICS_HOST for a wrong host', async () => {
    const port = await hold()
    const ops = createOpsServer({
      registry: createMetricsRegistry({ defaultMetrics: false }),
      log: createLogger({ level: 'silent' }),
      readiness: () => ({ ready: true }),
    })
    const taken = await ops.listen(port, HOST).catch((e: unknown) => e)
    expect((taken as Error).message).toBe(
      `SIL_LISTEN_FAILED: SILLAGE_METRICS_PORT: ${HOST}:${port} is already in use; stop what holds it or set another SILLAGE_METRICS_PORT`,
    )
    const wrongHost = await ops.listen(0, '192.0.2.1').catch((e: unknown) => e)
    expect((wrongHost as ListenError).variable).toBe('SILLAGE_METRICS_HOST')
    await ops.close()
  })
})

describe('logStartupFailure', () => {
  const capture = () => {
    const lines: Array<Record<string, unknown>> = []
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
        done()
      },
    })
    return { lines, log: createLogger({ destination, name: 'sillage-test' }) }
  }

  it('logs a ListenError as its one line: code, variable, address, no stack', () => {
    const { lines, log } = capture()
    logStartupFailure(log, listenError(errno('EADDRINUSE'), admin(8081)))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      level: 60,
      code: 'SIL_LISTEN_FAILED',
      variable: 'SILLAGE_ADMIN_PORT',
      address: `${HOST}:8081`,
      msg: `SIL_LISTEN_FAILED: SILLAGE_ADMIN_PORT: ${HOST}:8081 is already in use; stop what holds it or set another SILLAGE_ADMIN_PORT`,
    })
    expect(JSON.stringify(lines[0])).not.toContain('stack')
  })

  it('logs any other error as `failed to start` with the error', () => {
    const { lines, log } = capture()
    logStartupFailure(log, new Error('boom'))
    expect(lines[0]).toMatchObject({ level: 60, msg: 'failed to start', err: { message: 'boom' } })
  })
})
