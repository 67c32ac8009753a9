export * from './pipeline/identity-service.js'
export { personIdFor } from '@sillage/identifiers'
export { toEventRow, type EventRow } from './domain/event-row.js'
export {
  createIdentityRules,
  parseIdentityRules,
  identityRulesInputSchema,
  IdentityRulesError,
  type IdentityRules,
  type IdentityRulesInput,
} from '@sillage/identifiers'
export {
  normaliseIdentifier,
  normaliseEmail,
  normalisePhone,
  selfPerson,
  type Identifier,
} from './domain/identifiers.js'
export {
  extractIdentifiers,
  type ExtractedIdentity,
  type IdentityWarning,
} from './domain/extract-identifiers.js'
export { decideLink, type LinkDecision, type LinkInput } from './domain/merge-rules.js'
export {
  createIdentityGraph,
  VERSION_STRIDE,
  type IdentityGraph,
  type EdgeInput,
} from './domain/identity-graph.js'
export { createStitcher, type Stitcher } from './domain/stitcher.js'
export { simulate, type SimulationOptions, type SimulationResult } from './domain/simulation.js'
export { encodeEdge, decodeEdge, encodeDelta, decodeChangelog } from './domain/messages.js'
export { IDENTITY_ERRORS, IdentityError, type IdentityErrorCode } from './errors.js'
export { IDENTITY_RULES_ENV_VARS, loadIdentityRules } from './rules.config.js'
export * from './stack.js'
export * from './identity-worker.js'
