import { readFileSync } from 'node:fs'
import { sourcesSchema, type Source } from '@sillage/schemas'
import { ConfigError } from './env.js'
import { unknownSourceKeys } from './source-keys.js'

/**
 * The sources (write keys and their policies, docs/configuration.md) from their JSON text, as
 * every process that reads them does: the collector, standalone profiles (browser sources, the
 * write keys its read keys must differ from), the CLI. Refused as a ConfigError: text that is not
 * JSON (the message gives the position only: the text may hold a server write key), a misspelt
 * key (zod would drop it, and its policy would be silently off), or anything the schema refuses.
 */
export function parseSources(json: string, origin: string): Source[] {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch (cause) {
    const at = /position (\d+)/.exec((cause as Error).message)?.[1]
    throw new ConfigError([`${origin}: not valid JSON${at === undefined ? '' : ` (at character ${at})`}`])
  }
  const problems = unknownSourceKeys(raw).map((p) => `${origin}${p}`)
  const parsed = sourcesSchema.safeParse(raw)
  if (!parsed.success)
    problems.push(...parsed.error.issues.map((i) => `${origin}[${i.path.join('.')}]: ${i.message}`))
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems)
  return parsed.data
}

/**
 * SILLAGE_SOURCES (the JSON itself), else the file SILLAGE_SOURCES_FILE; undefined when neither
 * is set. The first wins when both are (docs/configuration.md).
 */
export function loadSources(env: {
  SILLAGE_SOURCES?: string | undefined
  SILLAGE_SOURCES_FILE?: string | undefined
}): Source[] | undefined {
  if (env.SILLAGE_SOURCES) return parseSources(env.SILLAGE_SOURCES, 'SILLAGE_SOURCES')
  const file = env.SILLAGE_SOURCES_FILE
  if (!file) return undefined
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    throw new ConfigError([`SILLAGE_SOURCES_FILE: cannot read ${JSON.stringify(file)} (${reason})`])
  }
  return parseSources(text, file)
}
