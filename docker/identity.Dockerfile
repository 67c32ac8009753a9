# syntax=docker/dockerfile:1
# The standalone identity service (pipeline mode): Kafka in, ClickHouse out, with its operations
# port (/healthz, /readyz, /metrics). The image also holds the activation, profiles and admin
# services (compose runs each with `node services/<name>/dist/main.js`) and the `sillage` CLI
# (doctor, migrate, query, dlq, sources, audiences; `dashboard`, the retail dashboard's process,
# which reads services/dashboard/public and uplot at run time). Build from the repository root:
#   docker build -f docker/identity.Dockerfile -t sillage-identity .

ARG NODE_VERSION=20.19
FROM node:${NODE_VERSION}-bookworm-slim AS base
WORKDIR /app

FROM base AS build
COPY . .
# The pnpm that package.json pins ("packageManager"), read from it and installed with npm: corepack
# (0.36) refuses it ("No compatible signature found in package metadata").
RUN npm install --global "$(node -p 'require("./package.json").packageManager')" \
  && pnpm install --frozen-lockfile
RUN pnpm exec tsc -b services/identity services/activation services/profiles services/admin apps/sillage
# Keep only the production dependencies of identity, activation, profiles, admin, the CLI and their
# workspace packages (chdb comes along: @sillage/warehouse imports it; with CLICKHOUSE_URL set it is
# never opened). docker/ goes too: it may hold the operator's .env and config/.
RUN find . -name node_modules -type d -prune -exec rm -rf {} + \
  && pnpm install --frozen-lockfile --prod --offline --filter "@sillage/identity..." --filter "@sillage/activation..." \
     --filter "@sillage/profiles..." --filter "@sillage/admin..." --filter "@sillage/cli..." \
  && rm -rf .git* .env* tests bench docs scripts docker \
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
