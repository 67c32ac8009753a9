# syntax=docker/dockerfile:1
# The standalone identity service (pipeline mode): Kafka in, ClickHouse out, with its operations
# port (/healthz, /readyz, /metrics). The image also holds the activation service (compose runs
# it with `node services/activation/dist/main.js`) and the `sillage` CLI (doctor, migrate, query,
# dlq, sources). Build from the repository root:
#   docker build -f docker/identity.Dockerfile -t sillage-identity .

ARG NODE_VERSION=20.19
FROM node:${NODE_VERSION}-bookworm-slim AS base
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH COREPACK_ENABLE_DOWNLOAD_PROMPT=0
# Corepack runs the pnpm that package.json pins ("packageManager").
RUN npm install --global corepack@0.36.0 && corepack enable
WORKDIR /app

FROM base AS build
COPY . .
RUN corepack install && pnpm install --frozen-lockfile
RUN pnpm exec tsc -b services/identity services/activation services/profiles apps/sillage
# Keep only the production dependencies of identity, activation, profiles, the CLI and their workspace packages
# (chdb comes along: @sillage/warehouse imports it; with CLICKHOUSE_URL set it is never opened).
RUN find . -name node_modules -type d -prune -exec rm -rf {} + \
  && pnpm install --frozen-lockfile --prod --offline --filter "@sillage/identity..." --filter "@sillage/activation..." \
     --filter "@sillage/profiles..." --filter "@sillage/cli..." \
  && rm -rf .git* tests bench docs scripts \
  && printf '#!/bin/sh\nexec node /app/apps/sillage/dist/main.js "$@"\n' > /app/sillage && chmod 755 /app/sillage

FROM base AS runtime
ENV NODE_ENV=production \
    SILLAGE_BUS=kafka \
    SILLAGE_METRICS_HOST=0.0.0.0 \
    SILLAGE_METRICS_PORT=9464 \
    SILLAGE_DATA_DIR=/tmp/sillage
COPY --from=build --chown=root:root /app /app
RUN ln -s /app/sillage /usr/local/bin/sillage
USER node
EXPOSE 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.SILLAGE_METRICS_PORT || 9464) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM: finish the batch in flight (inserts, then offsets), leave the group, close.
STOPSIGNAL SIGTERM
CMD ["node", "services/identity/dist/main.js"]
