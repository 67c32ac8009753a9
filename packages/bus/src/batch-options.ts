import type { SubscribeOptions } from './bus.js'

/** Throws a RangeError naming the first batch bound of a subscription that is out of range. */
export function checkBatchOptions(options: SubscribeOptions): void {
  const bounds: [keyof SubscribeOptions, number][] = [
    ['maxBatchRecords', 1],
    ['maxBatchBytes', 1],
    ['minBatchBytes', 0],
    ['maxBatchWaitMs', 0],
  ]
  for (const [name, min] of bounds) {
    const value = options[name]
    if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= min))
      throw new RangeError(`${name} must be an integer >= ${min}`)
  }
}
