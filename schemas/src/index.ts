export * from './event.js'
export * from './source.js'
export * from './json-schema.js'
export * from './cookies.js'
