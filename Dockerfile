# syntax=docker/dockerfile:1
# The image of every service: the build argument SERVICE names the folder services/<SERVICE>.
# Build from the repository root:
#   docker build --build-arg SERVICE=residents -t employment/residents:<tag> .
#
# The image keeps the workspace layout (/app/packages, /app/services/<SERVICE>, /app/node_modules
# with pnpm's symlinks) because Node runs the TypeScript sources directly, and type stripping
# refuses files whose real path is under node_modules, so `pnpm deploy` (which copies workspace
# packages into node_modules) cannot be used. scripts/check-images runs this file's build stage
# and starts the result for every service.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG SERVICE
# Without a name the COPY below would take every service: refuse instead.
RUN test -n "${SERVICE}"
# CI=true: pnpm never prompts.
ENV CI=true
RUN npm install --global --no-fund --no-audit --no-update-notifier pnpm@12.4.2
WORKDIR /app
# Dependencies first: `pnpm fetch` needs only the lock file, so the store layer is rebuilt only
# when the lock file changes, not on every source edit, and it is shared by every service's build.
# (The store stays in this stage's layers rather than a BuildKit cache mount, so a cached layer
# can never point at an evicted store.)
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
# pnpm-workspace.yaml's patchedDependencies point here; pnpm applies them while installing.
COPY patches/ patches/
RUN pnpm fetch --prod --store-dir /pnpm/store
COPY packages/ packages/
COPY services/${SERVICE}/ services/${SERVICE}/
RUN pnpm install --offline --frozen-lockfile --prod --store-dir /pnpm/store \
      --filter "@employment/${SERVICE}..."

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production HTTP_PORT=8080 SERVICE_NAME=${SERVICE}
# The uid the chart runs as (runAsUser 10001), with a name so tools that look the user up work.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app
WORKDIR /app
# Owned by root and not writable by the service user: the code is immutable at run time.
COPY --from=build /app /app
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# An exec-form ENTRYPOINT cannot read a build argument: the shell names the service's main from
# SERVICE_NAME (set above) and is replaced by node, so signals reach the service itself. Arguments
# pass through: `docker run employment/jobs:<tag> migrate`.
ENTRYPOINT ["/bin/sh", "-c", "exec node \"services/${SERVICE_NAME}/src/main.ts\" \"$@\"", "service"]
