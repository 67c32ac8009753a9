import { readFileSync } from 'node:fs'
import { sourcesSchema, type Source } from '@sillage/schemas'
import { ConfigError } from './env.js'
import { unknownSourceKeys } from './source-keys.js'

/** The placeholder of docker/config/sources.example.json (`wk_REPLACE_ME_browser_key`). */
const PLACEHOLDER = 'REPLACE_ME'

/** A key copied from an example and never filled in: refused, not served (anyone can read the example). */
export const isPlaceholderKey = (key: string): boolean => key.toUpperCase().includes(PLACEHOLDER)

/** The refusal of a placeholder key: what to do, never the key itself. */
export const placeholderKeyFix = (what: string): string =>
  `set a real ${what} (e.g. \`openssl rand -hex 24\`)`

/** Every write key of the sources, rotated-out ones too, that still holds the placeholder. */
function placeholderProblems(sources: readonly Source[], origin: string): string[] {
  const problem = (s: Source, path: string) =>
    `${origin}[${path}]: source ${JSON.stringify(s.id)} still has the placeholder ${PLACEHOLDER}; ${placeholderKeyFix('write key')}`
  return sources.flatMap((s, i) => [
    ...(isPlaceholderKey(s.writeKey) ? [problem(s, `${i}.writeKey`)] : []),
    ...s.previousWriteKeys.flatMap((p, j) =>
      isPlaceholderKey(p.writeKey) ? [problem(s, `${i}.previousWriteKeys.${j}.writeKey`)] : [],
    ),
  ])
}

/**
 * The sources (write keys and their policies, docs/configuration.md) from their JSON text, as
 * every process that reads them does: the collector, standalone profiles (browser sources, the
 * write keys its read keys must differ from), the CLI. Refused as a ConfigError: text that is not
 * JSON (the message gives the position only: the text may hold a server write key), a misspelt
 * key (zod would drop it, and its policy would be silently off), anything the schema refuses, or a
 * write key still holding the example's placeholder (`sillage sources` edits such a file: it reads
 * the schema only).
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
  if (parsed.success) problems.push(...placeholderProblems(parsed.data, origin))
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems)
  return parsed.data
}

/**
 * SILLAGE_SOURCES (the JSON itself), or the file SILLAGE_SOURCES_FILE; undefined when neither is
 * set. Both set is refused: one would silently win over the other (docs/configuration.md).
 */
export function loadSources(env: {
  SILLAGE_SOURCES?: string | undefined
  SILLAGE_SOURCES_FILE?: string | undefined
}): Source[] | undefined {
  if (env.SILLAGE_SOURCES && env.SILLAGE_SOURCES_FILE) {
    throw new ConfigError([
      'SILLAGE_SOURCES and SILLAGE_SOURCES_FILE: both are set; keep one (SILLAGE_SOURCES holds the JSON itself, SILLAGE_SOURCES_FILE names a file)',
    ])
  }
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
