// Writes schemas/event.schema.json from the zod schemas: `pnpm schemas:json`. A test fails when it is stale.
import { writeFileSync } from 'node:fs'
import { eventJsonSchemas } from './dist/index.js'

const out = new URL('./event.schema.json', import.meta.url)
writeFileSync(out, JSON.stringify(eventJsonSchemas(), null, 2) + '\n')
