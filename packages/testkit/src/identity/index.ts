export * from './shop-generator.js'
export { expectedGroups } from './ground-truth.js'
