#!/usr/bin/env bash
# The one-machine dev stack behind `make run`: a Temporal dev server (SQLite
# file under .data/), PostgreSQL (DATABASE_URL, else the local server, else a
# private cluster under .data/pg), migrations, the fake Salto KS, then
# `doorsync dev` with the demo org and the fake as the partner client.
# DOORSYNC_DEMO_PLATFORM=officernd also starts the fake OfficeRnD
# (FAKE_OFFICERND_ADDR, its webhooks pointed at the API) and loads the demo
# org from it (a platform connection and its backfill) instead of the
# built-in space. Ctrl-C stops everything this script started.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${DOORSYNC_DATA_DIR:-$ROOT/.data}
TEMPORAL=${TEMPORAL_CLI:-$ROOT/bin/temporal}
DOORSYNC=${DOORSYNC_BIN:-$ROOT/bin/doorsync}
TEMPORAL_PORT=${TEMPORAL_PORT:-7233}
TEMPORAL_UI_PORT=${TEMPORAL_UI_PORT:-8233}
TEMPORAL_METRICS_PORT=${TEMPORAL_METRICS_PORT:-8234}
PRIVATE_PG_PORT=${PRIVATE_PG_PORT:-5433}
FAKE_SALTO_ADDR=${FAKE_SALTO_ADDR:-127.0.0.1:8090}
FAKE_OFFICERND_ADDR=${FAKE_OFFICERND_ADDR:-127.0.0.1:8091}
DEMO_PLATFORM=${DOORSYNC_DEMO_PLATFORM:-}
export DOORSYNC_HTTP_ADDR=${DOORSYNC_HTTP_ADDR:-127.0.0.1:8080}
# The Salto KS authorization-code flow (the fake is the partner client)
# comes back to the API here.
export DOORSYNC_PUBLIC_URL=${DOORSYNC_PUBLIC_URL:-http://$DOORSYNC_HTTP_ADDR}
export TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT

mkdir -p "$DATA"
children=()
private_pg=""

log() { printf '==> %s\n' "$*" >&2; }

cleanup() {
	trap - EXIT INT TERM
	for pid in "${children[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${children[@]}"; do wait "$pid" 2>/dev/null || true; done
	if [ -n "$private_pg" ]; then as_pg_owner "$private_pg/pg_ctl" -D "$DATA/pg" -m fast -w stop >/dev/null 2>&1 || true; fi
	log "stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
	local deadline=$((SECONDS + $1)) what=$2
	shift 2
	until "$@"; do
		if ((SECONDS >= deadline)); then log "timed out waiting for $what"; exit 1; fi
		sleep 0.2
	done
}

as_pg_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_temporal() {
	if port_open 127.0.0.1 "$TEMPORAL_PORT"; then
		log "something already listens on :$TEMPORAL_PORT; stop it or set TEMPORAL_PORT"; exit 1
	fi
	# GOGC: see internal/devtemporal's ServerGOGC.
	GOGC=400 "$TEMPORAL" server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
		--metrics-port "$TEMPORAL_METRICS_PORT" \
		--db-filename "$DATA/temporal.db" --log-level warn \
		--search-attribute OrgId=Keyword --search-attribute PersonId=Keyword --search-attribute EntityKind=Keyword \
		--sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal \
		--dynamic-config-value system.enableActivityEagerExecution=true \
		--dynamic-config-value system.enableEagerWorkflowStart=true \
		--dynamic-config-value system.forceSearchAttributesCacheRefreshOnRead=false \
		>"$DATA/temporal.log" 2>&1 &
	children+=($!)
	wait_for 60 "Temporal (log: $DATA/temporal.log)" temporal_ready
}

temporal_ready() {
	"$TEMPORAL" operator search-attribute list --address "$TEMPORAL_ADDRESS" 2>/dev/null | grep -q EntityKind
}

pg_bindir() {
	if command -v pg_ctl >/dev/null; then dirname "$(command -v pg_ctl)"; return; fi
	ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

ensure_postgres() {
	if [ -n "${DATABASE_URL:-}" ]; then log "using DATABASE_URL"; return; fi
	if port_open 127.0.0.1 5432; then
		export DATABASE_URL="postgres://${PGUSER:-postgres}@127.0.0.1:5432/doorsync?sslmode=disable"
		log "using PostgreSQL at 127.0.0.1:5432"
		return
	fi
	local bindir
	bindir=$(pg_bindir)
	if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
		log "no PostgreSQL: set DATABASE_URL, start one on 127.0.0.1:5432, or install PostgreSQL"; exit 1
	fi
	start_private_postgres "$bindir"
	export DATABASE_URL="postgres://postgres@127.0.0.1:$PRIVATE_PG_PORT/doorsync?sslmode=disable"
}

start_private_postgres() {
	local bindir=$1
	mkdir -p "$DATA/pg"
	if [ "$(id -u)" = 0 ]; then chown postgres "$DATA/pg"; chmod 700 "$DATA/pg"; fi
	if [ ! -f "$DATA/pg/PG_VERSION" ]; then
		log "initialising a private PostgreSQL cluster in $DATA/pg"
		as_pg_owner "$bindir/initdb" -D "$DATA/pg" -U postgres --auth=trust >/dev/null
	fi
	as_pg_owner "$bindir/pg_ctl" -D "$DATA/pg" -l "$DATA/pg/server.log" -w \
		-o "-p $PRIVATE_PG_PORT -k $DATA/pg -c listen_addresses=127.0.0.1" start >/dev/null
	private_pg=$bindir
	log "private PostgreSQL on 127.0.0.1:$PRIVATE_PG_PORT"
}

start_fake_salto() {
	"$DOORSYNC" fake-salto --addr "$FAKE_SALTO_ADDR" --state-file "$DATA/fake-salto-state.json" >"$DATA/fake-salto.log" 2>&1 &
	children+=($!)
	wait_for 30 "the fake Salto KS (log: $DATA/fake-salto.log)" fake_salto_ready
}

# The fake OfficeRnD delivers every change to the demo org's webhook
# endpoint (changes before the API listens, its seed, are refused and
# reach doorsync through the backfill instead).
start_fake_officernd() {
	"$DOORSYNC" fake-officernd --addr "$FAKE_OFFICERND_ADDR" \
		--webhook-url "http://$DOORSYNC_HTTP_ADDR/v1/hooks/officernd/demo" >"$DATA/fake-officernd.log" 2>&1 &
	children+=($!)
	wait_for 30 "the fake OfficeRnD (log: $DATA/fake-officernd.log)" fake_officernd_ready
}

fake_officernd_ready() { curl -fsS "http://$FAKE_OFFICERND_ADDR/__fake/calls" >/dev/null 2>&1; }

fake_salto_ready() { curl -fsS "http://$FAKE_SALTO_ADDR/.well-known/openid-configuration" >/dev/null 2>&1; }

api_ready() { curl -fsS "http://$DOORSYNC_HTTP_ADDR/readyz" >/dev/null 2>&1; }

main() {
	local demo=(--demo-salto "http://$FAKE_SALTO_ADDR") fake_officernd=""
	case "$DEMO_PLATFORM" in
	"") ;;
	officernd) demo+=(--demo-officernd "http://$FAKE_OFFICERND_ADDR") ;;
	*) log "DOORSYNC_DEMO_PLATFORM=$DEMO_PLATFORM: the demo can load from officernd (or, unset, the built-in space)"; exit 1 ;;
	esac
	log "starting Temporal dev server"
	start_temporal
	ensure_postgres
	"$DOORSYNC" migrate up --create-db
	start_fake_salto
	if [ "$DEMO_PLATFORM" = officernd ]; then
		start_fake_officernd
		fake_officernd=$(printf '\n  %-18s%s\n  %-18s%s' "Fake OfficeRnD" \
			"http://$FAKE_OFFICERND_ADDR (slug demo-space; webhooks to /v1/hooks/officernd/demo;" \
			"" "control: /__fake/objects/{collection}, /__fake/calls)")
	fi
	"$DOORSYNC" dev "${demo[@]}" &
	children+=($!)
	wait_for 60 "the doorsync API" api_ready
	cat >&2 <<-BANNER

	doorsync is running (Ctrl-C stops everything):
	  API               http://$DOORSYNC_HTTP_ADDR
	  Metrics           http://${DOORSYNC_METRICS_ADDR:-$DOORSYNC_HTTP_ADDR}/metrics
	  Temporal UI       http://127.0.0.1:$TEMPORAL_UI_PORT
	  Temporal          $TEMPORAL_ADDRESS
	  Temporal metrics  http://127.0.0.1:$TEMPORAL_METRICS_PORT/metrics
	  Fake Salto        http://$FAKE_SALTO_ADDR (state: /__fake/state; also the partner client:
	                    GET /v1/orgs/{org}/salto/authorize runs the authorization-code flow)$fake_officernd

	BANNER
	wait "${children[-1]}"
}

main "$@"
