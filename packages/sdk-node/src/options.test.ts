import { describe, expect, it } from 'vitest'
import { resolveOptions, type SillageOptions } from './options.js'

const host = 'http://sillage.test:8080'

function problemOf(input: unknown): unknown {
  try {
    resolveOptions(input as SillageOptions)
  } catch (error) {
    return error
  }
  return undefined
}

describe('resolveOptions', () => {
  it('reports a BigInt, a Symbol, NaN or Infinity as SIL_SDK_INVALID_OPTIONS, naming the value', () => {
    const error = problemOf({
      writeKey: 'wk',
      host,
      maxBatchEvents: 10n,
      flushIntervalMs: Number.NaN,
      requestTimeoutMs: Number.POSITIVE_INFINITY,
      overflow: Symbol('drop'),
    })
    expect(error).toMatchObject({ name: 'SillageError', code: 'SIL_SDK_INVALID_OPTIONS' })
    const message = (error as Error).message
    expect(message).toContain('maxBatchEvents must be an integer >= 1, got 10')
    expect(message).toContain('flushIntervalMs must be an integer >= 0, got NaN')
    expect(message).toContain('requestTimeoutMs must be an integer >= 1, got Infinity')
    expect(message).toContain('got Symbol(drop)')
    expect(problemOf({ writeKey: 'wk', host: 10n })).toMatchObject({ code: 'SIL_SDK_INVALID_OPTIONS' })
  })

  it('takes a path, never a URL that would send the write key elsewhere', () => {
    expect(resolveOptions({ writeKey: 'wk', host, path: '/collect/batch' }).url).toBe(
      'http://sillage.test:8080/collect/batch',
    )
    for (const path of ['//evil.example/v1/batch', 'https://evil.example/v1/batch', 'v1/batch', 42]) {
      expect(problemOf({ writeKey: 'wk', host, path })).toMatchObject({
        code: 'SIL_SDK_INVALID_OPTIONS',
        message: expect.stringContaining('path must start with a single "/"'),
      })
    }
  })
})
