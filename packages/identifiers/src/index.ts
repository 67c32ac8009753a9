export * from './pii.js'
export * from './suppression.js'
export * from './follow-suppressions.js'
