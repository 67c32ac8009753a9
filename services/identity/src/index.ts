export * from './pipeline/identity-service.js'
export { createResolver } from './domain/resolver.js'
export { personIdFor } from './domain/person-id.js'
export { toEventRow, type EventRow } from './domain/event-row.js'
