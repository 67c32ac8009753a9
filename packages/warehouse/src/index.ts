export * from './warehouse.js'
export * from './migrate.js'
