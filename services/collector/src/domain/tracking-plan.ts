import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { Source, TrackingPlan, TrackingPlanMode } from '@sillage/schemas'
import { ECOMMERCE_PLAN } from './tracking-plan-ecommerce.js'
import { planRegExp } from './tracking-plan-pattern.js'
import { checkPlanSchema } from './tracking-plan-schema-check.js'
import type { PLAN_ERRORS } from '../errors.js'

/**
 * Tracking plans (docs/tracking-plans.md): a JSON Schema per track event name over the event's
 * `properties`, compiled once (ajv, draft-07) into a Map of validators. Checking an event whose
 * name is not in the plan costs one Map lookup.
 */

/** One broken rule of an event. */
export interface Violation {
  /**
   * The JSON Schema keyword and the schema's path to the field, e.g. `required:properties.order_id`
   * or `type:properties.products[].price`: bounded by the plan, whatever the events say (a metric label).
   */
  rule: string
  /** Where in this event, e.g. `properties.products[0].price`. */
  path: string
  /** ajv's message, e.g. "must be number" (never the value itself). */
  message: string
}

/** At most this many violations are kept per event (a dead letter or a flagged event stays small). */
export const MAX_VIOLATIONS = 10

export interface CompiledTrackingPlan {
  readonly mode: Exclude<TrackingPlanMode, 'off'>
  /** The event names the plan covers. */
  readonly events: ReadonlySet<string>
  /** The violations of a track event, or undefined when it passes or its name is not in the plan. */
  check(event: string, properties: unknown): Violation[] | undefined
}

/** The most events a plan of one source may name (its own; the built-in ones are not counted). */
export const MAX_PLAN_EVENTS = 2000

/**
 * A plan that does not compile: which event, and the reason (docs/errors.md). The message starts
 * with the stable code; `createTrackingPlanIndex` adds the source after it.
 */
export class TrackingPlanError extends Error {
  readonly code: keyof typeof PLAN_ERRORS = 'SIL_TRACKING_PLAN_INVALID'
  constructor(
    readonly event: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`SIL_TRACKING_PLAN_INVALID: tracking plan event ${JSON.stringify(event)}: ${message}`, options)
    this.name = 'TrackingPlanError'
  }
}

// ajv-formats is CommonJS: its default export is the plugin itself, or (typed) the module.
type FormatsPlugin = (ajv: Ajv) => Ajv
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ??
  addFormatsModule) as unknown as FormatsPlugin

function createAjv(): Ajv {
  // allErrors: every broken rule is reported, not only the first. No coercion, no defaults: the
  // event is never modified. Unknown keywords are a mistake in the plan (refused at start), and
  // so is a pattern the linear-time engine cannot run, such as a backreference (tracking-plan-pattern.ts).
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    logger: false,
    code: { regExp: planRegExp },
  })
  addFormats(ajv)
  return ajv
}

let ecommerce: Map<string, ValidateFunction> | undefined
/** The built-in plan's validators, compiled once per process and shared by every source. */
function ecommerceValidators(): Map<string, ValidateFunction> {
  if (!ecommerce) ecommerce = compileEvents(createAjv(), ECOMMERCE_PLAN)
  return ecommerce
}

function compileEvents(
  ajv: Ajv,
  events: Readonly<Record<string, Record<string, unknown>>>,
): Map<string, ValidateFunction> {
  const out = new Map<string, ValidateFunction>()
  const names = Object.keys(events)
  if (names.length > MAX_PLAN_EVENTS) {
    throw new TrackingPlanError(
      names[MAX_PLAN_EVENTS] ?? '',
      `the plan names ${names.length} events, at most ${MAX_PLAN_EVENTS} (each is compiled at every start)`,
    )
  }
  const normalised = new Map<string, string>()
  for (const [name, schema] of Object.entries(events)) {
    // Two names that look the same (é composed or not) are one event to whoever reads the plan,
    // but only one of them would ever be matched: which schema applies would be a guess. Names
    // in another letter case are other events, as in Segment (a plan may cover a legacy
    // sender's `order completed` beside `Order Completed`): accepted.
    const other = normalised.get(name.normalize('NFC'))
    if (other !== undefined) {
      throw new TrackingPlanError(
        name,
        `is the event ${JSON.stringify(other)} written with other Unicode code points (the same ` +
          'once normalised, NFC): keep one of them, as the senders write it',
      )
    }
    normalised.set(name.normalize('NFC'), name)
    try {
      checkPlanSchema(schema)
      out.set(name, ajv.compile(schema))
    } catch (cause) {
      const message =
        cause instanceof RangeError
          ? `the schema nests too deeply, or loops through $ref (${cause.message})`
          : (cause as Error).message
      throw new TrackingPlanError(name, message, { cause })
    }
  }
  return out
}

const unescape = (s: string): string => s.replace(/~1/g, '/').replace(/~0/g, '~')

/** The data path a schema path describes: `#/properties/products/items/properties/price/type` → `products[]`…. */
function schemaFieldPath(schemaPath: string): string {
  const segments = schemaPath.replace(/^#\/?/, '').split('/').slice(0, -1) // the last is the keyword
  let path = 'properties'
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]
    const next = segments[i + 1]
    if (s === 'properties' && next !== undefined) {
      path += `.${unescape(next)}`
      i++
    } else if (s === 'items' || s === 'prefixItems' || s === 'contains' || s === 'additionalItems') {
      path += '[]'
      if (next !== undefined && /^\d+$/.test(next)) i++
    } else if (s === 'patternProperties') {
      path += '.*'
      i++
    } else if (s === 'additionalProperties' || s === 'propertyNames') {
      path += '.*'
    } else if (
      s === 'allOf' ||
      s === 'anyOf' ||
      s === 'oneOf' ||
      s === 'definitions' ||
      s === '$defs' ||
      s === 'dependencies' ||
      s === 'dependentSchemas'
    ) {
      i++ // an index or a name of the schema, not of the data
    }
  }
  return path
}

/** `/products/0/price` → `properties.products[0].price`. */
function instanceFieldPath(instancePath: string): string {
  let path = 'properties'
  if (instancePath === '') return path
  for (const raw of instancePath.slice(1).split('/')) {
    const s = unescape(raw)
    path += /^\d+$/.test(s) ? `[${s}]` : `.${s}`
  }
  return path
}

export function violationOf(error: ErrorObject): Violation {
  let rule = `${error.keyword}:${schemaFieldPath(error.schemaPath)}`
  let path = instanceFieldPath(error.instancePath)
  // The missing field is named by the schema (bounded), so it belongs to the rule.
  const missing = (error.params as { missingProperty?: unknown }).missingProperty
  if ((error.keyword === 'required' || error.keyword === 'dependencies') && typeof missing === 'string') {
    rule += `.${missing}`
    path += `.${missing}`
  }
  // A broken propertyNames rule is about a key of the object: the path names it (not the rule).
  const key = error.propertyName ?? (error.params as { propertyName?: unknown }).propertyName
  if (typeof key === 'string') path += `.${key}`
  return { rule, path, message: error.message ?? error.keyword }
}

const EMPTY: Readonly<Record<string, never>> = Object.freeze({})

/**
 * Compiles a source's plan; undefined when its mode is `off` or it covers no event. Throws
 * TrackingPlanError on a schema ajv refuses.
 */
export function compileTrackingPlan(plan: TrackingPlan): CompiledTrackingPlan | undefined {
  if (plan.mode === 'off') return undefined
  const validators = new Map<string, ValidateFunction>()
  if (plan.defaults) for (const [name, v] of ecommerceValidators()) validators.set(name, v)
  const own = Object.keys(plan.events).length > 0 ? compileEvents(createAjv(), plan.events) : undefined
  if (own) for (const [name, v] of own) validators.set(name, v)
  if (validators.size === 0) return undefined
  return {
    mode: plan.mode,
    events: new Set(validators.keys()),
    check(event, properties) {
      const validate = validators.get(event)
      if (validate === undefined || validate(properties ?? EMPTY)) return undefined
      const errors = validate.errors ?? []
      const out: Violation[] = []
      for (const error of errors) {
        if (out.length >= MAX_VIOLATIONS) break
        out.push(violationOf(error))
      }
      return out
    },
  }
}

/** Each source's compiled plan, compiled on first use and kept (sources are immutable). */
export function createTrackingPlanIndex(): (source: Source) => CompiledTrackingPlan | undefined {
  const cache = new WeakMap<Source, CompiledTrackingPlan | null>()
  return (source) => {
    let compiled = cache.get(source)
    if (compiled === undefined) {
      try {
        compiled = compileTrackingPlan(source.trackingPlan) ?? null
      } catch (cause) {
        if (cause instanceof TrackingPlanError) {
          cause.message = cause.message.replace(': ', `: source "${source.id}": `)
        }
        throw cause
      }
      cache.set(source, compiled)
    }
    return compiled ?? undefined
  }
}

/** A one-line summary of an event's violations (a dead letter's reason message). */
export function describeViolations(event: string, violations: readonly Violation[]): string {
  return `${event}: ${violations.map((v) => `${v.path} ${v.message} (${v.rule})`).join('; ')}`
}
