#!/usr/bin/env bash
# Pre-flight check before `docker compose up -d --build` (docker-compose.yml).
#
#   ./scripts/preflight.sh            # before deploying: tools, .env, ports, resources, compose file
#   ./scripts/preflight.sh --running  # after `docker compose up`: the services answer
#
# One line per check: OK, WARN (works, but look at it) or MISSING (with what
# to do). Exits 1 when anything required is missing, 0 otherwise.
set -euo pipefail

usage() {
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
}

RUNNING=false
for arg in "$@"; do
  case "$arg" in
    --running) RUNNING=true ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; usage >&2; exit 2 ;;
  esac
done

cd "$(dirname "${BASH_SOURCE[0]}")/.."

MISSING_COUNT=0
WARN_COUNT=0
ok() { printf 'OK       %s\n' "$*"; }
warn() { printf 'WARN     %s\n' "$*"; WARN_COUNT=$((WARN_COUNT + 1)); }
missing() { printf 'MISSING  %s\n' "$*"; MISSING_COUNT=$((MISSING_COUNT + 1)); }
section() { printf '\n== %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

# --- .env ---------------------------------------------------------------------
# Read KEY=VALUE lines without executing them (values such as `1 day` have
# spaces). The containers get these through `env_file`; compose also uses them
# to fill ${...} in docker-compose.yml, where the shell's environment wins.
declare -A DOTENV=()
if [[ -f .env ]]; then
  while IFS= read -r line || [[ -n "$line" ]]; do
    line="${line%$'\r'}"
    [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
    line="${line#export }"
    [[ "$line" == *=* ]] || continue
    key="${line%%=*}"
    key="${key//[[:space:]]/}"
    value="${line#*=}"
    if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then value="${BASH_REMATCH[1]}"; fi
    DOTENV["$key"]="$value"
  done <.env
fi
# A variable the app reads: .env only (the shell's environment does not reach the containers).
app_var() { printf '%s' "${DOTENV[$1]:-${2:-}}"; }
# A variable docker-compose.yml interpolates: the shell first, then .env, then the default.
compose_var() {
  local name="$1" default="$2"
  if [[ -n "${!name:-}" ]]; then printf '%s' "${!name}"; else printf '%s' "${DOTENV[$name]:-$default}"; fi
}

API_PORT="$(compose_var API_PORT 4000)"
POSTGRES_HOST_PORT="$(compose_var POSTGRES_HOST_PORT 5432)"
REDIS_HOST_PORT="$(compose_var REDIS_HOST_PORT 6379)"
KAFKA_HOST_PORT="$(compose_var KAFKA_HOST_PORT 19092)"
PROMETHEUS_PORT="$(compose_var PROMETHEUS_PORT 9090)"
GRAFANA_PORT="$(compose_var GRAFANA_PORT 3000)"
JAEGER_UI_PORT="$(compose_var JAEGER_UI_PORT 16686)"
POSTGRES_USER="$(compose_var POSTGRES_USER options)"
POSTGRES_DB="$(compose_var POSTGRES_DB options)"

# --- Tools ----------------------------------------------------------------------
section "Tools"
DOCKER_OK=false
COMPOSE_OK=false
if have docker; then
  ok "docker: $(docker --version 2>/dev/null || echo 'installed')"
  if docker info >/dev/null 2>&1; then
    DOCKER_OK=true
    ok "docker engine: reachable (server $(docker info --format '{{.ServerVersion}}' 2>/dev/null || echo '?'))"
  else
    missing "docker engine: not reachable; start Docker (systemctl start docker, or Docker Desktop) and check that this user may use it (docker group)"
  fi
  if compose_version="$(docker compose version --short 2>/dev/null)"; then
    compose_version="${compose_version#v}"
    major="${compose_version%%.*}"
    minor="${compose_version#*.}"; minor="${minor%%.*}"
    if [[ "$major" =~ ^[0-9]+$ && "$major" -ge 2 ]]; then
      COMPOSE_OK=true
      ok "docker compose: v$compose_version"
      # `env_file: [{path: .env, required: false}]` needs Compose 2.24 or newer.
      if [[ "$major" -eq 2 && "$minor" =~ ^[0-9]+$ && "$minor" -lt 24 ]]; then
        missing "docker compose: v$compose_version is older than 2.24, which docker-compose.yml needs (optional env_file); update the Docker Compose plugin"
        COMPOSE_OK=false
      fi
    else
      missing "docker compose: v$compose_version found, v2 needed; install the Docker Compose v2 plugin (docker-compose-plugin)"
    fi
  else
    missing "docker compose: the v2 plugin is not installed (\`docker compose version\` fails); install docker-compose-plugin, the standalone docker-compose v1 is not supported"
  fi
else
  missing "docker: not installed; install Docker Engine (https://docs.docker.com/engine/install/)"
  missing "docker compose: needs docker; install Docker Engine with the Compose v2 plugin"
fi

# --- Configuration ----------------------------------------------------------------
section "Configuration"
if [[ -f .env ]]; then
  ok ".env: found (${#DOTENV[@]} variables); docker-compose.yml always sets ROLE, PORT, HOST, DATABASE_URL, REDIS_URL and KAFKA_BROKERS itself"
else
  ok ".env: none, so the defaults are used: SOURCE=simulator, all five symbols, PostgreSQL user/password/database options/options/options, GraphQL on port $API_PORT (cp .env.example .env to change them)"
fi

SOURCE="$(app_var SOURCE simulator)"
case "$SOURCE" in
  simulator)
    ok "SOURCE=simulator: nothing else required" ;;
  dhan)
    dhan_missing=()
    [[ -n "$(app_var DHAN_ACCESS_TOKEN)" ]] || dhan_missing+=(DHAN_ACCESS_TOKEN)
    [[ -n "$(app_var DHAN_CLIENT_ID)" ]] || dhan_missing+=(DHAN_CLIENT_ID)
    if ((${#dhan_missing[@]} == 0)); then
      ok "SOURCE=dhan: DHAN_ACCESS_TOKEN and DHAN_CLIENT_ID are set"
    else
      missing "SOURCE=dhan: ${dhan_missing[*]} not set; put the access token and client id from Dhan (web.dhan.co → DhanHQ Trading APIs) in .env"
    fi
    base_url="$(app_var DHAN_BASE_URL https://api.dhan.co)"
    if [[ "$base_url" =~ ://(localhost|127\.0\.0\.1) ]]; then
      warn "DHAN_BASE_URL=$base_url: localhost inside a container is the container itself; use host.docker.internal or a service name"
    fi ;;
  replay)
    replay_file="$(app_var REPLAY_FILE)"
    if [[ -z "$replay_file" ]]; then
      missing "SOURCE=replay: REPLAY_FILE not set; set it in .env to a .ndjson.gz recording (RECORD_FILE records one)"
    elif [[ "$replay_file" == /* ]]; then
      warn "SOURCE=replay: REPLAY_FILE=$replay_file is an absolute path; it must exist inside the ingest container (mount it with a volume)"
    elif [[ -f "$replay_file" ]]; then
      ok "SOURCE=replay: $replay_file found (copied into the image at /app/$replay_file by the build)"
    else
      missing "SOURCE=replay: REPLAY_FILE=$replay_file does not exist in $(pwd); record one with RECORD_FILE or fix the path"
    fi ;;
  *)
    missing "SOURCE=$SOURCE: not one of simulator, dhan, replay; fix SOURCE in .env" ;;
esac

for name in DATABASE_URL REDIS_URL KAFKA_BROKERS; do
  if [[ -n "${DOTENV[$name]:-}" ]]; then
    ok "$name in .env is ignored by the containers (docker-compose.yml points them at the compose services)"
  fi
done
if [[ "$(compose_var POSTGRES_PASSWORD options)" == options ]]; then
  warn "POSTGRES_PASSWORD: the default password is used; set POSTGRES_PASSWORD in .env (letters and digits only, it goes into a URL) before exposing the database"
fi

# --- Compose file -------------------------------------------------------------------
section "Compose file"
if [[ ! -f docker-compose.yml ]]; then
  missing "docker-compose.yml: not found in $(pwd)"
elif $COMPOSE_OK; then
  if errors="$(docker compose config -q 2>&1)"; then
    ok "docker compose config: docker-compose.yml is valid"
  else
    missing "docker compose config: docker-compose.yml does not validate: $(printf '%s' "$errors" | head -n 5 | tr '\n' ' ')"
  fi
else
  missing "docker compose config: cannot validate docker-compose.yml without docker compose v2"
fi
[[ -f Dockerfile ]] && ok "Dockerfile: found" || missing "Dockerfile: not found in $(pwd)"

# --- Host ports and resources ---------------------------------------------------------
port_in_use() {
  local port="$1"
  if have ss; then
    [[ -n "$(ss -H -ltn "sport = :$port" 2>/dev/null)" ]]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
  fi
}

STACK_UP=false
if $COMPOSE_OK && $DOCKER_OK && [[ -n "$(docker compose ps -q 2>/dev/null)" ]]; then STACK_UP=true; fi

if ! $RUNNING; then
  section "Host ports"
  for entry in "api:$API_PORT:API_PORT" "timescaledb:$POSTGRES_HOST_PORT:POSTGRES_HOST_PORT" "redis:$REDIS_HOST_PORT:REDIS_HOST_PORT" "redpanda (Kafka from the host):$KAFKA_HOST_PORT:KAFKA_HOST_PORT" "prometheus:$PROMETHEUS_PORT:PROMETHEUS_PORT" "grafana:$GRAFANA_PORT:GRAFANA_PORT" "jaeger (UI):$JAEGER_UI_PORT:JAEGER_UI_PORT"; do
    IFS=: read -r service port variable <<<"$entry"
    if ! port_in_use "$port"; then
      ok "port $port ($service): free"
    elif $STACK_UP; then
      ok "port $port ($service): in use, this stack is already running (docker compose ps)"
    else
      missing "port $port ($service): already in use on this host; stop what listens there (ss -ltnp 'sport = :$port') or set $variable in .env to another port"
    fi
  done

  section "Resources"
  # The limits in docker-compose.yml add up to 6.5 GiB and 8 CPUs (Prometheus,
  # Grafana and Jaeger included); the reservations to about 2 GiB.
  need_mib=6656
  mem_bytes=""
  if $DOCKER_OK; then mem_bytes="$(docker info --format '{{.MemTotal}}' 2>/dev/null || true)"; fi
  if [[ ! "$mem_bytes" =~ ^[0-9]+$ ]] && [[ -r /proc/meminfo ]]; then
    mem_bytes=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) * 1024 ))
  fi
  if [[ "$mem_bytes" =~ ^[0-9]+$ ]]; then
    mem_mib=$((mem_bytes / 1024 / 1024))
    if ((mem_mib >= need_mib)); then
      ok "memory: ${mem_mib} MiB for containers whose limits add up to ${need_mib} MiB"
    else
      warn "memory: ${mem_mib} MiB, less than the ${need_mib} MiB the limits add up to; it runs, but under load containers may be OOM-killed (give Docker more memory)"
    fi
  else
    warn "memory: could not determine the memory available to Docker"
  fi
  cpus="$(nproc 2>/dev/null || echo 0)"
  if ((cpus >= 2)); then ok "cpus: $cpus"; else warn "cpus: $cpus; at least 2 recommended"; fi
  disk_dir="."
  if $DOCKER_OK; then
    root_dir="$(docker info --format '{{.DockerRootDir}}' 2>/dev/null || true)"
    [[ -n "$root_dir" && -d "$root_dir" ]] && disk_dir="$root_dir"
  fi
  free_kib="$(df -Pk "$disk_dir" 2>/dev/null | awk 'NR == 2 {print $4}')"
  if [[ "$free_kib" =~ ^[0-9]+$ ]]; then
    free_gib=$((free_kib / 1024 / 1024))
    if ((free_gib >= 10)); then
      ok "disk: ${free_gib} GiB free on $disk_dir"
    else
      warn "disk: ${free_gib} GiB free on $disk_dir; images, TimescaleDB and Redpanda want at least 10 GiB (retention: TIMESCALE_RETENTION)"
    fi
  else
    warn "disk: could not determine free space on $disk_dir"
  fi
fi

# --- Running services (--running) ------------------------------------------------------
http_get() {
  local url="$1"
  if have curl; then
    curl -fsS --max-time 5 "$url"
  elif have node; then
    node -e "fetch(process.argv[1],{signal:AbortSignal.timeout(5000)}).then(async r=>{process.stdout.write(await r.text());process.exit(r.ok?0:1)}).catch(e=>{console.error(e.message);process.exit(1)})" "$url"
  elif have wget; then
    wget -qO- --timeout=5 "$url"
  else
    echo "no curl, node or wget to make an HTTP request" >&2
    return 1
  fi
}

if $RUNNING; then
  section "Running services"
  if ! $COMPOSE_OK || ! $DOCKER_OK; then
    missing "services: cannot check them without a reachable docker engine and docker compose v2"
  else
    states="$(docker compose ps --all --format '{{.Service}} {{.State}} {{.Health}}' 2>/dev/null || true)"
    for service in timescaledb redpanda redis ingest process store api prometheus grafana jaeger; do
      line="$(grep -E "^$service " <<<"$states" | head -n 1 || true)"
      if [[ -z "$line" ]]; then
        missing "$service: no container; run docker compose up -d --build"
        continue
      fi
      read -r _ state health <<<"$line"
      if [[ "$state" == running && ( "$health" == healthy || -z "$health" ) ]]; then
        ok "$service: running${health:+, $health}"
      elif [[ "$state" == running ]]; then
        missing "$service: running but ${health}; see docker compose logs $service"
      else
        missing "$service: $state; see docker compose logs $service"
      fi
    done

    if docker compose exec -T timescaledb pg_isready -U "$POSTGRES_USER" -d "$POSTGRES_DB" -h 127.0.0.1 >/dev/null 2>&1; then
      ok "timescaledb: accepts connections (pg_isready)"
    else
      missing "timescaledb: pg_isready fails; see docker compose logs timescaledb"
    fi
    if [[ "$(docker compose exec -T redis redis-cli ping 2>/dev/null | tr -d '\r')" == PONG ]]; then
      ok "redis: PONG"
    else
      missing "redis: redis-cli ping does not answer PONG; see docker compose logs redis"
    fi
    if docker compose exec -T redpanda rpk cluster health 2>/dev/null | grep -Eq 'Healthy:.+true'; then
      ok "redpanda: cluster healthy (rpk cluster health)"
    else
      missing "redpanda: rpk cluster health does not report healthy; see docker compose logs redpanda"
    fi
    if readyz="$(http_get "http://127.0.0.1:$API_PORT/readyz" 2>&1)"; then
      ok "api: GET http://127.0.0.1:$API_PORT/readyz answers: $(printf '%s' "$readyz" | head -c 200)"
    else
      missing "api: GET http://127.0.0.1:$API_PORT/readyz fails ($(printf '%s' "$readyz" | head -c 200)); see docker compose logs api"
    fi
  fi
fi

# --- Summary -------------------------------------------------------------------------------
echo
if ((MISSING_COUNT > 0)); then
  echo "FAILED: $MISSING_COUNT required check(s) missing, $WARN_COUNT warning(s)."
  exit 1
fi
if $RUNNING; then
  echo "READY: every service answers ($WARN_COUNT warning(s))."
else
  echo "READY TO DEPLOY ($WARN_COUNT warning(s)): docker compose up -d --build, then ./scripts/preflight.sh --running"
fi
