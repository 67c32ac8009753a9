import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { eventJsonSchemas } from './json-schema.js'

describe('generated JSON Schema', () => {
  it('schemas/event.schema.json is up to date with the zod schemas (run pnpm schemas:json)', () => {
    const committed = JSON.parse(readFileSync(new URL('../event.schema.json', import.meta.url), 'utf8'))
    expect(committed).toEqual(JSON.parse(JSON.stringify(eventJsonSchemas())))
  })
})
