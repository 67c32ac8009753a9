import { TOPICS, followTopic, type Bus } from '@sillage/bus'
import { applySuppressionRecord, createSuppressionList, type SuppressionList } from './suppression.js'

export interface SuppressionFeed {
  /** The erased identifiers, kept up to date from privacy.suppressions. */
  readonly list: SuppressionList
  stop(): Promise<void>
}

/**
 * The suppression list of one process (docs/privacy.md): read whole from `privacy.suppressions`
 * before it resolves, then kept up to date. Each service stack follows it once, unless the
 * process already holds one (`sillage start` shares one list between its services).
 */
export async function followSuppressions(
  bus: Bus,
  options: { groupPrefix: string; phoneCountryCode?: string },
): Promise<SuppressionFeed> {
  const list = createSuppressionList(
    options.phoneCountryCode === undefined ? {} : { phoneCountryCode: options.phoneCountryCode },
  )
  const follower = await followTopic(bus, {
    topic: TOPICS.suppressions,
    groupPrefix: options.groupPrefix,
    onRecord: (record) => applySuppressionRecord(list, record.key, record.value),
  })
  try {
    await follower.caughtUp
  } catch (err) {
    await follower.stop()
    throw err
  }
  return { list, stop: () => follower.stop() }
}
