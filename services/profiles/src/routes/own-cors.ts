/**
 * Route options that opt a profile route out of a CORS plugin of the server it is registered on
 * (`@fastify/cors` reads `config.cors`). The collector's port registers one for every browser
 * origin, with credentials; `sillage start` puts the profile routes (or their relay) on that port.
 * The read-key routes are for servers and must never be readable cross-origin (no
 * Access-Control-Allow-Origin, so a page cannot read the answer, let alone with credentials); the
 * browser route answers CORS itself, per source (`allowedOrigins`). docs/profiles.md#keys-scope-privacy.
 */
export const OWN_CORS = { config: { cors: false } } as const
