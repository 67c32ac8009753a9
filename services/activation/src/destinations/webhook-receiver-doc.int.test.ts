import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signBody } from '../domain/webhook-signature.js'
import { createWebhookSender } from './webhook-sender.js'

// docs/activation.md's webhook receiver and `verify` example, run as written: a receiver that a
// missing or short signature header crashes is one anyone who reaches it can take down.
const doc = readFileSync(new URL('../../../../docs/activation.md', import.meta.url), 'utf8')
const jsBlocks = [...doc.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!.replace(/^ {3}/gm, ''))
const verifyBlock = jsBlocks.find((b) =>
  b.startsWith("import { createHmac, timingSafeEqual } from 'node:crypto'"),
)
const receiverBlock = jsBlocks.find((b) => b.startsWith('// receiver.mjs'))

const dir = mkdtempSync(join(tmpdir(), 'sillage-doc-receiver-'))
const SECRET = 'whsec_doc_example'
let child: ChildProcess
let output = ''
let url = ''

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })

/** Whether the receiver accepts connections (a bare TCP connect: no request reaches it). */
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1')
      .once('connect', () => resolve(true))
      .once('error', () => resolve(false))
    socket.once('close', () => socket.destroy())
    socket.once('connect', () => socket.end())
  })

const post = (body: string, signature?: string) =>
  fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature !== undefined && { 'x-sillage-signature': signature }),
    },
    body,
  }).then((r) => r.status)

beforeAll(async () => {
  expect(receiverBlock).toBeDefined()
  const file = join(dir, 'receiver.mjs')
  writeFileSync(file, receiverBlock!)
  const port = await freePort()
  url = `http://127.0.0.1:${port}/hook`
  child = spawn(process.execPath, [file], { env: { ...process.env, SECRET, PORT: String(port) } })
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()))
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the receiver exited: ${output}`)
    if (await listening(port)) break
    await new Promise((r) => setTimeout(r, 50))
  }
})
afterAll(() => {
  child?.kill()
  rmSync(dir, { recursive: true, force: true })
})

describe("docs/activation.md's webhook receiver", () => {
  const body = JSON.stringify({ items: [{ type: 'audience.entered', audience: 'dormant', person_id: 'p1' }] })

  it('answers 401 to a missing, short or malformed signature, and keeps running', async () => {
    const t = Math.floor(Date.now() / 1000)
    expect(await post(body)).toBe(401)
    expect(await post(body, `t=${t},v1=ab`)).toBe(401)
    expect(await post(body, 'garbage')).toBe(401)
    expect(await post(body, `t=${t}`)).toBe(401)
    expect(child.exitCode).toBeNull()
  })

  it('accepts a batch signed as Sillage signs it', async () => {
    expect(await post(body, signBody(SECRET, body, Math.floor(Date.now() / 1000)))).toBe(200)
    expect(output).toContain('audience.entered dormant p1')
  })

  it('accepts a non-ASCII batch sent by the webhook sender (the HMAC is over the UTF-8 bytes)', async () => {
    const items = [
      { type: 'trigger.fired', trigger: 'café-☕', person_id: 'Zoë-𝄞', properties: { n: 'naïve\u2028' } },
    ]
    const send = createWebhookSender({ url, secret: SECRET, maxAttempts: 1, timeoutMs: 10_000 })
    expect(await send(JSON.stringify({ items }), 'key-utf8')).toMatchObject({ ok: true, status: 200 })
    await expect.poll(() => output).toContain('trigger.fired café-☕ Zoë-𝄞')
  })

  it('prints an erasure notice without an "undefined" (it names no audience or trigger)', async () => {
    const erased = JSON.stringify({ items: [{ type: 'person.deleted', person_id: 'p-gone' }] })
    expect(await post(erased, signBody(SECRET, erased, Math.floor(Date.now() / 1000)))).toBe(200)
    await expect.poll(() => output).toContain('person.deleted - p-gone')
    expect(output).not.toContain('undefined')
  })
})

describe("docs/activation.md's verify()", () => {
  it('returns false, without throwing, for a missing, short or malformed header', async () => {
    expect(verifyBlock).toBeDefined()
    const file = join(dir, 'verify.mjs')
    writeFileSync(file, `${verifyBlock!}\nexport { verify }\n`)
    const { verify } = (await import(pathToFileURL(file).href)) as {
      verify: (secret: string, raw: Buffer, header: unknown) => boolean
    }
    const raw = Buffer.from('{"items":[]}')
    const t = Math.floor(Date.now() / 1000)
    expect(verify(SECRET, raw, signBody(SECRET, raw, t))).toBe(true)
    expect(verify('other', raw, signBody(SECRET, raw, t))).toBe(false)
    expect(verify(SECRET, raw, undefined)).toBe(false)
    expect(verify(SECRET, raw, `t=${t},v1=ab`)).toBe(false)
    expect(verify(SECRET, raw, `t=${t}`)).toBe(false)
    expect(verify(SECRET, raw, 'garbage')).toBe(false)
  })
})
