import { z } from 'zod'
import { batchSchema, eventSchema, jsonObject } from './event.js'

/** JSON Schema (draft 2020-12) of the event and batch bodies, for clients in other languages. */
export function eventJsonSchemas(): Record<string, unknown> {
  const options = {
    io: 'input',
    unrepresentable: 'any',
    // jsonObject is a z.custom check (fast at runtime); describe it as what it accepts.
    override: (ctx: { zodSchema: unknown; jsonSchema: Record<string, unknown> }) => {
      if (ctx.zodSchema === jsonObject) ctx.jsonSchema['type'] = 'object'
    },
  } as const
  return {
    event: z.toJSONSchema(eventSchema, options),
    batch: z.toJSONSchema(batchSchema, options),
  }
}
