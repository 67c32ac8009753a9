# syntax=docker/dockerfile:1
# The standalone collector (pipeline mode): HTTP in, Kafka out. Build from the repository root:
#   docker build -f docker/collector.Dockerfile -t sillage-collector .
# Configuration is the environment (docs/configuration.md); docker/compose.yaml sets it.

ARG NODE_VERSION=20.19
FROM node:${NODE_VERSION}-bookworm-slim AS base
WORKDIR /app

FROM base AS build
COPY . .
# The pnpm that package.json pins ("packageManager"), read from it and installed with npm: corepack
# (0.36) refuses it ("No compatible signature found in package metadata").
RUN npm install --global "$(node -p 'require("./package.json").packageManager')" \
  && pnpm install --frozen-lockfile
# The collector and the browser SDK it serves at /sdk.js.
RUN pnpm exec tsc -b services/collector packages/sdk-browser && node packages/sdk-browser/build.mjs
# Keep only the production dependencies of the collector and its workspace packages. docker/ goes
# too: it may hold the operator's .env (SILLAGE_ADMIN_TOKEN, CLICKHOUSE_PASSWORD) and config/.
RUN find . -name node_modules -type d -prune -exec rm -rf {} + \
  && pnpm install --frozen-lockfile --prod --offline --filter "@sillage/collector..." \
  && rm -rf .git* .env* tests bench docs scripts docker

FROM base AS runtime
ENV NODE_ENV=production \
    SILLAGE_HOST=0.0.0.0 \
    SILLAGE_PORT=8080 \
    SILLAGE_BUS=kafka
COPY --from=build --chown=root:root /app /app
# The demo's data dir is not used here; node (uid 1000) owns nothing it could write but /tmp.
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.SILLAGE_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM: stop accepting, finish the requests in flight (each awaits its Kafka ack), disconnect.
STOPSIGNAL SIGTERM
# A container limited to one CPU should run `node --single-threaded-gc services/collector/dist/main.js`
# (compose: `command:`): V8's GC helper threads otherwise compete with the request thread for that
# CPU (docs/operations.md, "Collector").
CMD ["node", "services/collector/dist/main.js"]
