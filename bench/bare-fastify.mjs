// Baseline: a bare Fastify route that only parses the JSON body and answers 200.
import Fastify from 'fastify'

const app = Fastify({ bodyLimit: 1024 * 1024 })
app.get('/healthz', async () => ({ ok: true }))
app.post('/v1/batch', async (request) => ({ success: true, accepted: request.body.batch.length }))
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
