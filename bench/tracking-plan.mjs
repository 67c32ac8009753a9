// What a tracking plan costs the collector's hot path, per event, on one core: the compiled
// validator alone (an event outside the plan, a good Product Viewed, a good and a bad Order
// Completed with three products), then the whole ingest step (validate, plan, enrich, serialise)
// of the collector benchmark's 50-event batches with the plan off and on (mode allow, the default).
// Uses the built packages (pnpm build first): `taskset -c 1 node bench/tracking-plan.mjs`.
import { compileTrackingPlan, ingestItems } from '../services/collector/dist/index.js'
import { trackingPlanSchema } from '../schemas/dist/index.js'
import { batchBody } from './lib.mjs'

const SECONDS = Number(process.env.SECONDS ?? 2)
const plan = compileTrackingPlan(trackingPlanSchema.parse({ mode: 'allow' }))
const products = [1, 2, 3].map((i) => ({
  product_id: `p${i}`,
  sku: `s${i}`,
  name: 'Mug',
  price: 12.5,
  quantity: 2,
}))
const goodOrder = { order_id: 'o1', revenue: 75, currency: 'EUR', products }
const badOrder = { revenue: 75, currency: 'EUR', products: products.map((p) => ({ ...p, price: '12.50' })) }

/** Nanoseconds per call of `fn`, over SECONDS. */
function measure(fn) {
  for (let i = 0; i < 10_000; i++) fn() // warm up
  let calls = 0
  const started = process.hrtime.bigint()
  const until = started + BigInt(SECONDS * 1e9)
  let now = started
  while (now < until) {
    for (let i = 0; i < 1000; i++) fn()
    calls += 1000
    now = process.hrtime.bigint()
  }
  return Number(now - started) / calls
}

const row = (name, ns) =>
  process.stdout.write(`${name.padEnd(46)} ${(ns / 1000).toFixed(2).padStart(8)} µs\n`)

row(
  'check: event outside the plan (Map miss)',
  measure(() => plan.check('Newsletter Joined', goodOrder)),
)
row(
  'check: Product Viewed, valid',
  measure(() => plan.check('Product Viewed', products[0])),
)
row(
  'check: Order Completed, 3 products, valid',
  measure(() => plan.check('Order Completed', goodOrder)),
)
row(
  'check: Order Completed, 3 products, 4 violations',
  measure(() => plan.check('Order Completed', badOrder)),
)

let seq = 0
const ingestOptions = (trackingPlan) => ({
  receivedAt: Date.now(),
  sourceId: 'bench',
  newMessageId: () => `id-${seq++}`,
  keepFullIp: false,
  maxEventBytes: 32 * 1024,
  parseUserAgent: () => ({ browser: '', browserVersion: '', os: '', deviceType: 'desktop', bot: false }),
  trackingPlan,
})
const bodies = Array.from({ length: 64 }, (_, i) => batchBody(i))
const ingest = (trackingPlan) => {
  // Parsed each time, as a request's body is (ingest modifies the events in place).
  const body = JSON.parse(bodies[seq % bodies.length])
  ingestItems(body.batch, { ...ingestOptions(trackingPlan), sentAt: body.sentAt })
}
for (let round = 0; round < 2; round++) {
  row('ingest: 50 Product Viewed, plan off, per event', measure(() => ingest(undefined)) / 50)
  row('ingest: 50 Product Viewed, plan on, per event', measure(() => ingest(plan)) / 50)
}
