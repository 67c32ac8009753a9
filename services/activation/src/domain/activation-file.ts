/**
 * The activation file (`audiences.json` in the data dir, or SILLAGE_AUDIENCES_FILE): the
 * audiences, destinations and triggers, versioned with the shop's other settings. Pure: parsed
 * and checked here (every rule parsed and compiled once, every reference resolved), read by the
 * caller.
 */
import { z } from 'zod'
import { parseRule, type RuleNode } from './audience-rule.js'
import { compileRule, compileSql } from './audience-sql.js'
import { exportDirectoryProblem, webhookUrlProblem } from './destination-target.js'

/**
 * Unknown keys are refused, not dropped (decision, docs/activation.md): a misspelt
 * `"destination": ["crm"]` made an audience delivered nowhere, `"batchsize"` silently kept 500,
 * and a `"secret"` pasted into the file was accepted and ignored. Free text is bounded: a name
 * travels in every `Audience Entered` event (`audience_name`).
 */
const MAX_NAME = 200
const MAX_DESCRIPTION = 2000
const MAX_SQL = 100_000
const MAX_DESTINATIONS = 100

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _')

/** Refines a string with a check that returns its problem (destination-target.ts). */
const checked = (schema: z.ZodString, problemOf: (value: string) => string | undefined) =>
  schema.superRefine((value, ctx) => {
    const message = problemOf(value)
    if (message !== undefined) ctx.addIssue({ code: 'custom', message })
  })

const webhookSchema = z.strictObject({
  id,
  type: z.literal('webhook'),
  /** http: or https:, without credentials (user:password@). */
  url: checked(z.string(), webhookUrlProblem),
  /** sillage (default), klaviyo, brevo or meta: see docs/activation.md (templates, not tested integrations). */
  template: z.enum(['sillage', 'klaviyo', 'brevo', 'meta']).default('sillage'),
  batchSize: z.number().int().min(1).max(10_000).default(500),
  maxAttempts: z.number().int().min(1).max(20).default(8),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  /** Consecutive failed batches that open the circuit breaker, and how long it stays open. */
  breakerThreshold: z.number().int().min(1).default(5),
  breakerCooldownMs: z.number().int().min(100).default(60_000),
  /** Reserved: clear-text PII is never sent (Sillage stores only hashes); must stay false. */
  includePii: z.literal(false).default(false),
})

const fileSchema = z.strictObject({
  id,
  type: z.literal('file'),
  /** Relative to the data dir, and inside it. */
  directory: checked(z.string().min(1), exportDirectoryProblem),
  format: z.enum(['csv', 'ndjson']).default('csv'),
})

export const destinationSchema = z.discriminatedUnion('type', [webhookSchema, fileSchema])

const audienceSchema = z
  .strictObject({
    id,
    name: z.string().min(1).max(MAX_NAME).optional(),
    description: z.string().max(MAX_DESCRIPTION).optional(),
    rule: z.string().min(1).optional(),
    sql: z.string().min(1).max(MAX_SQL).optional(),
    destinations: z.array(id).max(MAX_DESTINATIONS).default([]),
  })
  .refine((a) => (a.rule === undefined) !== (a.sql === undefined), 'an audience has either "rule" or "sql"')

const triggerSchema = z.strictObject({
  id,
  name: z.string().min(1).max(MAX_NAME).optional(),
  /** The track event it watches, e.g. "Cart Abandoned". */
  event: z.string().min(1),
  /** A condition over the event's properties (the rule language; names are property names). */
  where: z.string().min(1).optional(),
  /** Only a person's first event of that name (e.g. a first Order Completed). */
  firstTime: z.boolean().default(false),
  /** Fires only when the person had been away (no event) this many days before the event. */
  awayDays: z.number().int().min(1).optional(),
  cooldownHours: z.number().min(0).default(24),
  destinations: z.array(id).min(1).max(MAX_DESTINATIONS),
})

export const activationFileSchema = z.strictObject({
  version: z.literal(1).default(1),
  destinations: z.array(destinationSchema).default([]),
  audiences: z.array(audienceSchema).default([]),
  triggers: z.array(triggerSchema).default([]),
})

export type DestinationDef = z.infer<typeof destinationSchema>
export type WebhookDef = z.infer<typeof webhookSchema>
export type FileDestinationDef = z.infer<typeof fileSchema>
export type TriggerDef = z.infer<typeof triggerSchema> & { condition?: RuleNode }
export type AudienceDef = z.infer<typeof audienceSchema> & { ast?: RuleNode }

export interface ActivationDefinitions {
  destinations: DestinationDef[]
  audiences: AudienceDef[]
  triggers: TriggerDef[]
}

/** A bad activation file: every problem at once. Code SIL_ACTIVATION_FILE. */
export class ActivationFileError extends Error {
  readonly code = 'SIL_ACTIVATION_FILE'
  constructor(readonly problems: string[]) {
    super(`invalid activation file:\n  ${problems.join('\n  ')}`)
    this.name = 'ActivationFileError'
  }
}

export const EMPTY_DEFINITIONS: ActivationDefinitions = Object.freeze({
  destinations: [],
  audiences: [],
  triggers: [],
})

/** An audience's references and rule checked (problems appended); the rule's AST attached. */
function checkAudience(
  a: z.infer<typeof audienceSchema>,
  destinationIds: ReadonlySet<string>,
  where: string,
  problems: string[],
): AudienceDef {
  for (const d of a.destinations)
    if (!destinationIds.has(d)) problems.push(`${where}: unknown destination ${d}`)
  if (a.rule === undefined) {
    try {
      if (a.sql !== undefined) compileSql(a.sql, 'sillage')
    } catch (err) {
      problems.push(`${where}.sql: ${(err as Error).message}`)
    }
    return a
  }
  try {
    const ast = parseRule(a.rule)
    compileRule(ast, 'sillage')
    return { ...a, ast }
  } catch (err) {
    problems.push(`${where}.rule: ${(err as Error).message}`)
    return a
  }
}

/**
 * One audience from the admin API, validated exactly as the file's audiences are (the same
 * schema, rule parser and compiler), against the file's destinations. Throws ActivationFileError.
 */
export function parseAudienceDefinition(input: unknown, destinationIds: ReadonlySet<string>): AudienceDef {
  const parsed = audienceSchema.safeParse(input)
  if (!parsed.success)
    throw new ActivationFileError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    )
  const problems: string[] = []
  const out = checkAudience(parsed.data, destinationIds, 'audience', problems)
  if (problems.length > 0) throw new ActivationFileError(problems)
  return out
}

/** Parses and checks the file's JSON text. */
export function parseActivationFile(text: string): ActivationDefinitions {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ActivationFileError([`not JSON: ${(err as Error).message}`])
  }
  const parsed = activationFileSchema.safeParse(json)
  if (!parsed.success)
    throw new ActivationFileError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    )
  const problems: string[] = []
  const { destinations, audiences, triggers } = parsed.data
  const destinationIds = new Set<string>()
  for (const d of destinations) {
    if (destinationIds.has(d.id)) problems.push(`destinations: duplicate id ${d.id}`)
    destinationIds.add(d.id)
  }
  const seen = new Set<string>()
  const outAudiences: AudienceDef[] = audiences.map((a) => {
    if (seen.has(a.id)) problems.push(`audiences: duplicate id ${a.id}`)
    seen.add(a.id)
    return checkAudience(a, destinationIds, `audiences.${a.id}`, problems)
  })
  const triggerIds = new Set<string>()
  const outTriggers: TriggerDef[] = triggers.map((t) => {
    if (triggerIds.has(t.id)) problems.push(`triggers: duplicate id ${t.id}`)
    triggerIds.add(t.id)
    for (const d of t.destinations)
      if (!destinationIds.has(d)) problems.push(`triggers.${t.id}: unknown destination ${d}`)
    if (t.where === undefined) return t
    try {
      return { ...t, condition: parseRule(t.where) }
    } catch (err) {
      problems.push(`triggers.${t.id}.where: ${(err as Error).message}`)
      return t
    }
  })
  if (problems.length > 0) throw new ActivationFileError(problems)
  return Object.freeze({ destinations, audiences: outAudiences, triggers: outTriggers })
}
