import { randomUUID } from 'node:crypto'
import { connect, createServer, type Socket } from 'node:net'
import { Kafka, logLevel } from 'kafkajs'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { BusError, type Bus, type BusRecord } from '../bus.js'
import { uniqueName, waitFor } from '../../test/contract.js'
import { partitionForKey } from '../partitioner.js'
import { createKafkaBus } from './kafka-bus.js'
import type { KafkaBusLogger } from './kafka-log.js'

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string
  }
}

/** From tests/global-setup.ts; a missing or unreachable broker fails these tests. */
function kafkaBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS || inject('kafkaBrokers')
  if (!brokers) throw new Error('KAFKA_BROKERS is not set and tests/global-setup.ts provided no broker')
  return brokers.split(',').map((b) => b.trim())
}

interface LogEntry {
  level: 'error' | 'warn' | 'info'
  obj: Record<string, unknown>
  msg: string | undefined
}

function captureLogger(): KafkaBusLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = []
  const at =
    (level: LogEntry['level']) =>
    (obj: object, msg?: string): void => {
      entries.push({ level, obj: obj as Record<string, unknown>, msg })
    }
  return { entries, error: at('error'), warn: at('warn'), info: at('info') }
}

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

describe('kafka bus (adapter specifics)', () => {
  const toClose: { close(): Promise<void> }[] = []
  const open = (options: Partial<Parameters<typeof createKafkaBus>[0]> = {}): Bus => {
    const bus = createKafkaBus({
      brokers: kafkaBrokers(),
      clientId: `int-${randomUUID().slice(0, 8)}`,
      ...options,
    })
    toClose.push(bus)
    return bus
  }
  const admin = async () => {
    const client = new Kafka({
      clientId: 'int-admin',
      brokers: kafkaBrokers(),
      logLevel: logLevel.NOTHING,
    }).admin()
    await client.connect()
    toClose.push({ close: () => client.disconnect() })
    return client
  }
  afterEach(async () => {
    await Promise.all(toClose.splice(0).map((c) => c.close()))
  })

  it('creates topics with the partitions, retention and compaction of their specs, and leaves existing ones alone', async () => {
    const bus = open()
    const raw = { name: uniqueName('raw'), partitions: 3, retentionMs: 7 * 24 * 3600 * 1000 }
    const changelog = { name: uniqueName('changelog'), partitions: 1, compacted: true }
    await bus.ensureTopics([raw, changelog])
    await bus.ensureTopics([{ ...raw, partitions: 5, retentionMs: 1000 }, changelog])

    const client = await admin()
    const { topics } = await client.fetchTopicMetadata({ topics: [raw.name, changelog.name] })
    expect(Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]))).toEqual({
      [raw.name]: 3,
      [changelog.name]: 1,
    })
    const { resources } = await client.describeConfigs({
      includeSynonyms: false,
      resources: [raw.name, changelog.name].map((name) => ({
        type: 2, // TOPIC
        name,
        configNames: ['retention.ms', 'cleanup.policy'],
      })),
    })
    const config = (name: string) =>
      Object.fromEntries(
        (resources.find((r) => r.resourceName === name)?.configEntries ?? []).map((e) => [
          e.configName,
          e.configValue,
        ]),
      )
    expect(config(raw.name)).toMatchObject({
      'retention.ms': String(raw.retentionMs),
      'cleanup.policy': 'delete',
    })
    expect(config(changelog.name)).toMatchObject({ 'cleanup.policy': 'compact' })
  })

  it('puts each key on the partition the Java client (murmur2) and the local bus would choose', async () => {
    const bus = open()
    const topic = uniqueName('murmur')
    const partitions = 5
    await bus.ensureTopics([{ name: topic, partitions }])
    const keys = Array.from({ length: 40 }, (_, i) => `anon-${i}-${'x'.repeat(i % 7)}`)
    await bus.produce(
      topic,
      keys.map((key) => ({ key, value: Buffer.from(key) })),
    )
    const records: BusRecord[] = []
    await bus.subscribe({
      topic,
      group: uniqueName('g'),
      eachBatch: async (b) => void records.push(...b.records),
    })
    await waitFor(
      () => records.length >= keys.length,
      `${keys.length} records`,
      () => records.length,
    )
    for (const r of records)
      expect(r.partition, `key ${r.key}`).toBe(partitionForKey(r.key ?? '', partitions))
  })

  it('concurrent produce calls share requests, and every record arrives, in call order per key', async () => {
    const bus = open()
    const topic = uniqueName('coalesce')
    await bus.ensureTopics([{ name: topic, partitions: 3 }])
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4']
    const calls = 300
    // Not awaited one by one: while one request is in flight, the next calls queue and coalesce.
    await Promise.all(
      Array.from({ length: calls }, (_, seq) =>
        bus.produce(
          topic,
          keys.map((key) => ({ key, value: Buffer.from(JSON.stringify({ key, seq })) })),
        ),
      ),
    )
    const records: BusRecord[] = []
    await bus.subscribe({
      topic,
      group: uniqueName('g'),
      eachBatch: async (b) => void records.push(...b.records),
    })
    const total = calls * keys.length
    await waitFor(
      () => records.length >= total,
      `${total} records`,
      () => records.length,
    )
    expect(records).toHaveLength(total)
    for (const key of keys) {
      const seqs = records
        .filter((r) => r.key === key)
        .map((r) => (JSON.parse(r.value.toString()) as { seq: number }).seq)
      expect(seqs).toEqual(Array.from({ length: calls }, (_, i) => i))
    }
  })

  it('is ready once connected, and routes kafkajs logs to the given logger without the partitioner warning', async () => {
    const log = captureLogger()
    const bus = open({ log })
    await waitFor(
      () => bus.health().ready,
      'health().ready',
      () => bus.health(),
    )
    const topic = uniqueName('logs')
    await bus.ensureTopics([{ name: topic, partitions: 1 }])
    await bus.produce(topic, [{ key: 'k', value: Buffer.from('v') }])
    expect(bus.health()).toEqual({ ready: true })
    const kafkajsEntries = log.entries.filter((e) => 'kafkajs' in e.obj)
    expect(kafkajsEntries.filter((e) => /partitioner|EoS/i.test(e.msg ?? ''))).toEqual([])
    await bus.close()
    expect(bus.health().ready).toBe(false)
  })

  it('rejects produce with SIL_BUS_UNAVAILABLE and reports not ready while the broker is unreachable', async () => {
    const log = captureLogger()
    const port = await closedPort()
    const bus = createKafkaBus({
      brokers: [`127.0.0.1:${port}`],
      clientId: 'int-down',
      log,
      produceTimeoutMs: 2_000,
    })
    toClose.push(bus)

    const error = await bus.produce('events.raw', [{ key: 'k', value: Buffer.from('v') }]).then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(error).toBeInstanceOf(BusError)
    expect((error as BusError).code).toBe('SIL_BUS_UNAVAILABLE')
    expect((error as BusError).cause).toBeDefined()
    expect(bus.health()).toMatchObject({ ready: false, reason: expect.stringMatching(/Kafka/) })
    // kafkajs's own connection errors reached our logger, tagged with their kafkajs namespace.
    expect(log.entries.some((e) => typeof e.obj.kafkajs === 'string')).toBe(true)
  })

  it('becomes ready without traffic once the broker is reachable again', async () => {
    // The bus bootstraps through a TCP proxy that is closed at first, then opened.
    const port = await closedPort()
    const [upstreamHost, upstreamPort] = (kafkaBrokers()[0] ?? '').split(':')
    const sockets = new Set<Socket>()
    const proxy = createServer((client) => {
      const upstream = connect(Number(upstreamPort), upstreamHost)
      for (const s of [client, upstream]) {
        sockets.add(s)
        s.on('error', () => {})
        s.on('close', () => {
          client.destroy()
          upstream.destroy()
        })
      }
      client.pipe(upstream).pipe(client)
    })
    toClose.push({
      close: () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy()
          if (proxy.listening) proxy.close(() => resolve())
          else resolve()
        }),
    })
    const bus = createKafkaBus({ brokers: [`127.0.0.1:${port}`], clientId: 'int-recover' })
    toClose.unshift(bus)
    await waitFor(
      () => bus.health().reason?.includes('unreachable') === true,
      'not ready',
      () => bus.health(),
    )

    await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve))
    await waitFor(
      () => bus.health().ready,
      'ready again',
      () => bus.health(),
    )
  })

  it('rejects produce to a topic that was never created with SIL_BUS_UNKNOWN_TOPIC', async () => {
    const bus = open({ produceTimeoutMs: 20_000 })
    const error = await bus.produce(uniqueName('missing'), [{ key: 'k', value: Buffer.from('v') }]).then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(error).toBeInstanceOf(BusError)
    expect((error as BusError).code).toBe('SIL_BUS_UNKNOWN_TOPIC')
  })
})
