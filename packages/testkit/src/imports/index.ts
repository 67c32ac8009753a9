export * from './csv.js'
export * from './import-scenario.js'
