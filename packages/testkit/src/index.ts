export * from './prng.js'
export * from './shop/index.js'
