// Baseline for the profile lookups: a bare Fastify GET route answering a fixed profile-sized JSON.
import Fastify from 'fastify'

const body = JSON.stringify({
  person_id: 'x'.repeat(32),
  stream: { cart: { items: [] } },
  pad: 'y'.repeat(1500),
})
const app = Fastify()
app.get('/healthz', async () => ({ ok: true }))
app.get('/v1/profiles/:type/:value', async (_request, reply) => reply.type('application/json').send(body))
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
