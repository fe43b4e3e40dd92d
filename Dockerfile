# syntax=docker/dockerfile:1
# Meridian gateway image. Build: docker build -t meridian .
# Run on PostgreSQL: docker run -p 4000:4000 -e DATABASE_URL=postgres://user:pass@host:5432/meridian -e MERIDIAN_DEMO=false -e MERIDIAN_ADMIN_KEY=... meridian
# Without DATABASE_URL the embedded database lives in the /data volume.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY common ./common
COPY db ./db
COPY catalog ./catalog
COPY policies ./policies
COPY connectors ./connectors
COPY ledger ./ledger
COPY gateway ./gateway
COPY demo ./demo
COPY cli ./cli
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=4000 \
    MERIDIAN_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The gateway stops on SIGTERM: no new requests, in-flight ones finish, the ledger is flushed.
STOPSIGNAL SIGTERM
CMD ["node", "dist/cli/meridian.js", "serve"]
