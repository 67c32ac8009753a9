import { z } from 'zod'
import { batchSchema, eventSchema } from './event.js'

/** JSON Schema (draft 2020-12) of the event and batch bodies, for clients in other languages. */
export function eventJsonSchemas(): Record<string, unknown> {
  return {
    event: z.toJSONSchema(eventSchema, { io: 'input', unrepresentable: 'any' }),
    batch: z.toJSONSchema(batchSchema, { io: 'input', unrepresentable: 'any' }),
  }
}
