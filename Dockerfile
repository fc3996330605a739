# natstream: a drop-in for the nats-streaming image.
#   docker build -t natstream .
#   docker run -p 4222:4222 -p 8222:8222 natstream -m 8222
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
COPY test ./test
COPY bench ./bench
COPY scripts/bundle.mjs ./scripts/
# tsc, then the one-file bundle that bin/natstream.js starts (scripts/bundle.mjs).
RUN npm ci --ignore-scripts --no-audit --no-fund && npx tsc -p tsconfig.json && node scripts/bundle.mjs && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/cli ./dist/cli
COPY --from=build /app/src/monitor/dashboard ./src/monitor/dashboard
RUN ln -s /app/bin/natstream.js /usr/local/bin/natstream && mkdir -p /data && chown node:node /data
# The image's unprivileged user (uid 1000), never root.
USER node
EXPOSE 4222 8222
# /healthz on the monitoring port that CMD opens; with another -m, override it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8222/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Like the nats-streaming image: the entrypoint is the server, the command adds flags.
# No init process is needed: natstream runs as PID 1 and handles SIGTERM and SIGINT
# itself (graceful shutdown: stop accepting, flush the store, exit 143 / 0), which is
# what `docker stop` sends; it starts no child processes to reap.
ENTRYPOINT ["natstream"]
CMD ["-m", "8222"]
