export * from './prng.js'
export * from './shop-generator.js'
