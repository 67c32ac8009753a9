export * from './warehouse.js'
export * from './migrate.js'
export * from './retention.js'
export * from './server-version.js'
