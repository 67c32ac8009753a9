import type { PartitionOffsets } from '@sillage/bus'
import { Gauge, type Registry } from '@sillage/runtime'

export interface LaggingGroup {
  topic: string
  group: string
  offsets: () => Promise<PartitionOffsets[]>
}

/** A scrape must not hang on an unreachable broker. */
const READ_TIMEOUT_MS = 2_000

/**
 * `sillage_identity_consumer_lag{topic,group,partition}`: records appended and not yet committed
 * by the group, read from the bus when /metrics is scraped (nothing runs between scrapes). Every
 * instance of a group reports the whole group's lag: alert on the max across instances. When the
 * bus cannot answer, the series are absent from that scrape (alert on absence too).
 */
export function registerConsumerLag(registry: Registry, groups: readonly LaggingGroup[]): void {
  new Gauge({
    name: 'sillage_identity_consumer_lag',
    help: 'Records not yet processed and committed by the consumer group, per partition',
    labelNames: ['topic', 'group', 'partition'] as const,
    registers: [registry],
    async collect() {
      this.reset()
      await Promise.all(
        groups.map(async ({ topic, group, offsets }) => {
          let partitions: PartitionOffsets[]
          try {
            partitions = await withTimeout(offsets(), READ_TIMEOUT_MS)
          } catch {
            return
          }
          for (const p of partitions) {
            const lag = p.end - Math.max(p.committed ?? p.start, p.start)
            this.set({ topic, group, partition: String(p.partition) }, Math.max(0, lag))
          }
        }),
      )
    },
  })
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  work.catch(() => {})
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}
