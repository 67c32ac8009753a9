import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, postBatch, startPipeline, tempDir, waitFor, type Pipeline } from './helpers/pipeline.js'

/**
 * The keys of a JSON object's top level, in order, duplicates included (JSON.parse keeps the last
 * of a repeated key silently). `line` must be valid JSON (it is parsed first).
 */
export function topLevelKeys(line: string): string[] {
  const keys: string[] = []
  let depth = 0
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (c === '"') {
      let j = i + 1
      while (line[j] !== '"') j += line[j] === '\\' ? 2 : 1
      if (depth === 1 && /^\s*:/.test(line.slice(j + 1, j + 3)))
        keys.push(JSON.parse(line.slice(i, j + 1)) as string)
      i = j
    } else if (c === '{' || c === '[') depth++
    else if (c === '}' || c === ']') depth--
  }
  return keys
}

// `sillage start`'s JSON log lines (not a terminal: pino's JSON) name each key once. A repeated key
// (a child logger's `component` over its parent's, a `pid` beside pino's own) is legal JSON that log
// shippers treat differently: Elasticsearch refuses the whole line, others keep either value.
describe('sillage start log lines', () => {
  const dir = tempDir('sillage-logs-')
  let pipeline: Pipeline

  beforeAll(async () => {
    pipeline = await startPipeline({
      dataDir: dir.path,
      port: await freePort(),
      env: { SILLAGE_LOG_LEVEL: 'debug', SILLAGE_PROFILES_PORT: String(await freePort()) },
    })
  })
  afterAll(async () => {
    await pipeline?.stop()
    dir.remove()
  })

  it('the key scanner sees a repeated key that JSON.parse hides', () => {
    const line = '{"a":1,"b":{"a":"x\\"y:","c":[{"d":1}]},"a":2}'
    expect(topLevelKeys(line)).toEqual(['a', 'b', 'a'])
  })

  it('repeat no key in any line, from start to stop', async () => {
    const at = Date.now()
    const res = await postBatch(pipeline.url, [
      {
        type: 'page',
        name: 'Home',
        anonymousId: 'log-v1',
        messageId: 'log-1',
        timestamp: new Date(at).toISOString(),
      },
      {
        type: 'identify',
        anonymousId: 'log-v1',
        userId: 'log-u1',
        messageId: 'log-2',
        traits: { plan: 'a' },
      },
      {
        type: 'track',
        event: 'Order Completed',
        userId: 'log-u1',
        messageId: 'log-3',
        properties: { total: 5 },
      },
      { type: 'track', anonymousId: 'log-v2' }, // refused alone: a warning line
    ])
    expect(res.status).toBe(200)
    await waitFor(() => pipeline.output().includes('"msg":"resolver active"'), {
      what: 'the resolver log line',
    })
    await fetch(`${pipeline.url}/v1/profiles/user_id/log-u1`) // a refused lookup (no read key): logged
    await pipeline.stop()
    const lines = pipeline
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
    expect(lines.length).toBeGreaterThan(20)
    const repeated = lines
      .map((l) => {
        JSON.parse(l)
        const keys = topLevelKeys(l)
        return {
          msg: (JSON.parse(l) as { msg?: string }).msg,
          keys: keys.filter((k, i) => keys.indexOf(k) !== i),
        }
      })
      .filter((l) => l.keys.length > 0)
    expect(repeated).toEqual([])
  })
})
