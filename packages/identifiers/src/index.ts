// Pure: no I/O (node:crypto only). The suppression follower is at `@sillage/identifiers/follow`.
export * from './pii.js'
export * from './pii-keys.js'
export * from './suppression.js'
export * from './identity-rules.js'
export * from './normalise.js'
export * from './event-pii.js'
export * from './person-id.js'
