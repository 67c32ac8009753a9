/**
 * A parser for the subset of YAML that docker/compose.yaml is written in (no YAML library is a
 * dependency of the workspace): block mappings and sequences by indentation, plain and quoted
 * scalars, flow sequences of scalars (`["CMD", "x"]`), comments. Everything is a string; empty
 * values are null. Anything outside the subset (anchors, aliases, tags, block scalars, flow
 * mappings, several documents) is an error, so the file cannot silently drift out of it.
 */
export type YamlValue = string | null | YamlValue[] | { [key: string]: YamlValue }

interface Line {
  indent: number
  text: string
  n: number
}

export function parseYamlSubset(source: string): YamlValue {
  const lines: Line[] = []
  for (const [i, raw] of source.split('\n').entries()) {
    const text = stripComment(raw).trimEnd()
    if (text.trim() === '') continue
    if (raw.includes('\t')) throw new Error(`line ${i + 1}: tabs are not YAML indentation`)
    if (text === '---' || text === '...') throw new Error(`line ${i + 1}: one document only`)
    lines.push({ indent: text.length - text.trimStart().length, text: text.trim(), n: i + 1 })
  }
  let pos = 0

  function block(indent: number): YamlValue {
    const first = lines[pos]
    if (!first || first.indent < indent) return null
    return first.text.startsWith('- ') || first.text === '-' ? sequence(first.indent) : mapping(first.indent)
  }

  function mapping(indent: number): { [key: string]: YamlValue } {
    const out: { [key: string]: YamlValue } = {}
    while (pos < lines.length && lines[pos]!.indent === indent) {
      const line = lines[pos]!
      if (line.text.startsWith('- '))
        throw new Error(`line ${line.n}: a sequence item where a key was expected`)
      const [key, rest] = splitKey(line)
      if (key in out) throw new Error(`line ${line.n}: duplicate key ${key}`)
      pos++
      out[key] = rest === '' ? block(indent + 1) : scalarOrFlow(rest, line.n)
    }
    const next = lines[pos]
    if (next && next.indent > indent) throw new Error(`line ${next.n}: unexpected indentation`)
    return out
  }

  function sequence(indent: number): YamlValue[] {
    const out: YamlValue[] = []
    while (pos < lines.length && lines[pos]!.indent === indent && lines[pos]!.text.startsWith('-')) {
      const line = lines[pos]!
      const rest = line.text.slice(1).trimStart()
      if (rest === '') {
        pos++
        out.push(block(indent + 1))
      } else if (/^[^"'[\s][^:]*:(\s|$)/.test(rest) || /^"[^"]*":(\s|$)/.test(rest)) {
        // "- key: value" opens a mapping whose keys are indented like "key".
        const itemIndent = indent + (line.text.length - rest.length)
        lines[pos] = { indent: itemIndent, text: rest, n: line.n }
        out.push(mapping(itemIndent))
      } else {
        pos++
        out.push(scalarOrFlow(rest, line.n))
      }
    }
    return out
  }

  const result = block(0)
  if (pos < lines.length) throw new Error(`line ${lines[pos]!.n}: unexpected content`)
  return result
}

function splitKey(line: Line): [string, string] {
  const m = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^\s"'#][^:]*?):(?:\s+(.*))?$/.exec(line.text)
  if (!m) throw new Error(`line ${line.n}: expected "key: value", got ${JSON.stringify(line.text)}`)
  const key = m[1]!
  return [key.startsWith('"') || key.startsWith("'") ? unquote(key, line.n) : key, (m[2] ?? '').trim()]
}

function scalarOrFlow(text: string, n: number): YamlValue {
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) throw new Error(`line ${n}: a flow sequence must end on its line`)
    const inner = text.slice(1, -1).trim()
    if (inner === '') return []
    return splitFlow(inner, n).map((item) => scalar(item.trim(), n))
  }
  return scalar(text, n)
}

function scalar(text: string, n: number): YamlValue {
  if (/^[&*!|>{]/.test(text)) throw new Error(`line ${n}: ${JSON.stringify(text)} is outside the YAML subset`)
  if (text.startsWith('"') || text.startsWith("'")) return unquote(text, n)
  if (text === '~' || text === 'null') return null
  return text
}

function unquote(text: string, n: number): string {
  const quote = text[0]!
  if (text.length < 2 || !text.endsWith(quote)) throw new Error(`line ${n}: unterminated string ${text}`)
  const body = text.slice(1, -1)
  if (quote === "'") return body.replaceAll("''", "'")
  return JSON.parse(`"${body}"`) as string
}

/** Splits "a, "b, c", 'd'" on the commas outside quotes. */
function splitFlow(text: string, n: number): string[] {
  const items: string[] = []
  let current = ''
  let quote: string | undefined
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quote) {
      current += c
      if (c === '\\' && quote === '"') current += text[++i] ?? ''
      else if (c === quote) quote = undefined
    } else if (c === '"' || c === "'") {
      quote = c
      current += c
    } else if (c === ',') {
      items.push(current)
      current = ''
    } else if (c === '[' || c === '{') {
      throw new Error(`line ${n}: nested flow collections are outside the YAML subset`)
    } else {
      current += c
    }
  }
  if (quote) throw new Error(`line ${n}: unterminated string in a flow sequence`)
  items.push(current)
  return items
}

/** Drops a comment: a # at the start or after a space, outside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quote) {
      if (c === '\\' && quote === '"') i++
      else if (c === quote) quote = undefined
    } else if (c === '"' || c === "'") {
      quote = c
    } else if (c === '#' && (i === 0 || line[i - 1] === ' ')) {
      return line.slice(0, i)
    }
  }
  return line
}
