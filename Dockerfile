# natstream: a drop-in for the nats-streaming image.
#   docker build -t natstream .
#   docker run -p 4222:4222 -p 8222:8222 natstream -m 8222
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY test ./test
COPY bench ./bench
COPY scripts/bundle.mjs ./scripts/
# tsc, then the one-file bundle that bin/natstream.js starts (scripts/bundle.mjs).
RUN npm ci --ignore-scripts --no-audit --no-fund && npx tsc -p tsconfig.json && node scripts/bundle.mjs && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/cli ./dist/cli
COPY --from=build /app/src/monitor/dashboard ./src/monitor/dashboard
RUN ln -s /app/bin/natstream.js /usr/local/bin/natstream && mkdir -p /data && chown node:node /data
USER node
EXPOSE 4222 8222
# Like the nats-streaming image: the entrypoint is the server, the command adds flags.
ENTRYPOINT ["natstream"]
CMD ["-m", "8222"]
