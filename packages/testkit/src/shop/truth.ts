/**
 * Ground truth for the analyst models (docs/analysts.md), one file per model, computed from what
 * the generator decided and the events it produced, independently of any SQL.
 */
export { dayOf, round2, type PersonIdOf } from './truth-common.js'
export * from './truth-kpis.js'
export * from './truth-products.js'
export * from './truth-carts.js'
export * from './truth-rfm.js'
export * from './truth-funnel.js'
export * from './truth-customers.js'
