export * from './prng.js'
export * from './shop/index.js'
export * from './imports/index.js'
