export * from './app.js'
export * from './config.js'
export * from './errors.js'
export { ingestItems, type DeadLetter, type Rejection } from './domain/ingest.js'
