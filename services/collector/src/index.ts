export * from './app.js'
export * from './config.js'
export * from './errors.js'
export { ingestItems, type DeadLetter, type Rejection } from './domain/ingest.js'
export { createDebugTap, type DebugTap } from './domain/debug-tap.js'
export * from './stack.js'
export {
  compileTrackingPlan,
  createTrackingPlanIndex,
  describeViolations,
  TrackingPlanError,
  type CompiledTrackingPlan,
  type Violation,
} from './domain/tracking-plan.js'
export { ECOMMERCE_PLAN } from './domain/tracking-plan-ecommerce.js'
