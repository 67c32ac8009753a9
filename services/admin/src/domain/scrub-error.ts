/**
 * An error as it may be logged and recorded (deletion_requests.error) during a privacy request: its
 * message and stack, and those of its causes, with every occurrence of the request's raw values
 * (the identifier as sent, trimmed, lower-cased; the reference) replaced by `[redacted]`. A store
 * or broker error can quote the value it failed on; logs must never hold it. Pure.
 */
export function scrubError(err: unknown, values: readonly string[], depth = 0): Error {
  const secrets = [...new Set(values.filter((v) => v.length >= 3))].sort((a, b) => b.length - a.length)
  const scrub = (text: string) => secrets.reduce((t, s) => t.split(s).join('[redacted]'), text)
  const source = err instanceof Error ? err : new Error(String(err))
  const cause =
    depth < 4 && source.cause !== undefined ? scrubError(source.cause, secrets, depth + 1) : undefined
  const out = new Error(scrub(source.message), cause === undefined ? undefined : { cause })
  out.name = source.name
  out.stack = source.stack === undefined ? undefined : scrub(source.stack)
  const code = (source as { code?: unknown }).code
  if (typeof code === 'string' || typeof code === 'number') Object.assign(out, { code })
  return out
}

/** The raw values of a privacy request that logs must never hold. */
export function rawValuesOf(request: { value: string; reference?: string | undefined }): string[] {
  const trimmed = request.value.trim()
  return [request.value, trimmed, trimmed.toLowerCase(), request.reference ?? '']
}
