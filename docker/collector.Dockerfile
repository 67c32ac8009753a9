# syntax=docker/dockerfile:1
# The standalone collector (pipeline mode): HTTP in, Kafka out. Build from the repository root:
#   docker build -f docker/collector.Dockerfile -t sillage-collector .
# Configuration is the environment (docs/configuration.md); docker/compose.yaml sets it.

ARG NODE_VERSION=20.19
FROM node:${NODE_VERSION}-bookworm-slim AS base
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH COREPACK_ENABLE_DOWNLOAD_PROMPT=0
# Corepack runs the pnpm that package.json pins ("packageManager"); a current corepack knows the
# registry's signing keys.
RUN npm install --global corepack@0.36.0 && corepack enable
WORKDIR /app

FROM base AS build
COPY . .
RUN corepack install && pnpm install --frozen-lockfile
# The collector and the browser SDK it serves at /sdk.js.
RUN pnpm exec tsc -b services/collector packages/sdk-browser && node packages/sdk-browser/build.mjs
# Keep only the production dependencies of the collector and its workspace packages.
RUN find . -name node_modules -type d -prune -exec rm -rf {} + \
  && pnpm install --frozen-lockfile --prod --offline --filter "@sillage/collector..." \
  && rm -rf .git* tests bench docs scripts

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
CMD ["node", "services/collector/dist/main.js"]
