export * from './errors.js'
export * from './privacy-admin.js'
export { registerPrivacyRoutes, PRIVACY_PREFIX } from './routes/privacy.route.js'
export { createPrivacyService, type PrivacyService, type ErasureReport } from './pipeline/privacy-service.js'
export {
  createPrivacyRepository as createPrivacyStore,
  type PrivacyRepository as PrivacyStore,
  personTables,
  type PersonTable,
} from '@sillage/warehouse'
export * from './stack.js'
export { createAdminMetrics, type AdminMetrics } from './metrics.js'
