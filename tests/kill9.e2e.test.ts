import { afterAll, describe, expect, it } from 'vitest'
import {
  freePort,
  postBatch,
  query,
  startPipeline,
  tempDir,
  trackEvents,
  waitFor,
  type Pipeline,
} from './helpers/pipeline.js'

/**
 * The core promise: a 200 means durable. Batches are in flight when the pipeline is killed with
 * SIGKILL; after a restart every batch that got a 200 is in ClickHouse exactly once.
 */
describe('kill -9 of the embedded pipeline while batches are in flight', () => {
  const dir = tempDir('sillage-kill9-')
  let pipeline: Pipeline | undefined
  afterAll(async () => {
    await pipeline?.stop()
    dir.remove()
  })

  it('loses no acknowledged event and duplicates none', async () => {
    const port = await freePort()
    pipeline = await startPipeline({ dataDir: dir.path, port })
    const acked: string[] = []
    let sent = 0
    const BATCH = 100
    const MAX_BATCHES = 400
    // 4 concurrent senders; the kill lands once a good share has been acknowledged.
    const sender = async (worker: number) => {
      for (let b = worker; b < MAX_BATCHES; b += 4) {
        const events = trackEvents(BATCH, `k9-${b}`)
        sent += 1
        try {
          const res = await postBatch(pipeline!.url, events)
          if (res.status === 200) acked.push(...events.map((e) => String(e.messageId)))
        } catch {
          return // connection refused or reset: the process is gone
        }
      }
    }
    const senders = [0, 1, 2, 3].map(sender)
    await waitFor(() => acked.length >= 50 * BATCH, { timeoutMs: 60_000, what: '50 acknowledged batches' })
    await pipeline.kill()
    await Promise.all(senders)
    expect(sent).toBeLessThan(MAX_BATCHES) // the kill really happened mid-stream

    pipeline = await startPipeline({ dataDir: dir.path, port })
    const ids = new Set(acked)
    const stored = await waitFor(
      async () => {
        const rows = await query<{ message_id: string; n: string }>(
          pipeline!.url,
          "SELECT message_id, count() AS n FROM sillage.events WHERE message_id LIKE 'k9-%' GROUP BY message_id",
        )
        const present = rows.filter((r) => ids.has(r.message_id)).length
        return present === ids.size ? rows : undefined
      },
      { timeoutMs: 60_000, what: 'every acknowledged event after restart' },
    )
    expect(stored.filter((r) => Number(r.n) !== 1)).toEqual([])
  })
})
