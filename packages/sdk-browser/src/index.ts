/**
 * @sillage/sdk-browser as a module: `createSillage()` gives an instance (the script tag build makes
 * one as `window.sillage`).
 */
export { createSillage } from './sillage.js'
export type * from './types.js'
