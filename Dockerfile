# syntax=docker/dockerfile:1
# One image for every role; docker-compose.yml picks the role with ROLE.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Dependencies first, so a source change does not reinstall them.
# Exactly the lockfile. Dev dependencies are included on purpose: `npm start`
# runs the TypeScript sources with tsx.
COPY package.json package-lock.json ./
# patches/ is applied by the postinstall script (patch-package).
COPY patches ./patches
RUN npm ci --include=dev --no-audit --no-fund \
 && npm cache clean --force

COPY . .
# The web client, built here (the app user cannot write into the image): `npm start` then finds it up to date.
RUN npm run web:build
# The embedded database directory (used only when DATABASE_URL is unset)
# must be writable by the unprivileged user.
RUN mkdir -p /app/.data && chown node:node /app/.data

ENV NODE_ENV=production
USER node

EXPOSE 4000

# No curl in slim images: Node 20 has fetch.
HEALTHCHECK --interval=15s --timeout=5s --start-period=40s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"

CMD ["npm", "start"]
