/**
 * Date.parse with a two-entry memo. The events of a batch share `sentAt` and often a timestamp,
 * and each is read twice (validation, then skew correction): most calls are a string compare.
 */
const texts: [string | undefined, string | undefined] = [undefined, undefined]
const values: [number, number] = [NaN, NaN]
let next = 0

export function parseIsoMs(text: string): number {
  if (text === texts[0]) return values[0]
  if (text === texts[1]) return values[1]
  const ms = Date.parse(text)
  texts[next] = text
  values[next] = ms
  next ^= 1
  return ms
}
