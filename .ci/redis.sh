#!/usr/bin/env bash
# Starts or stops the redis-server that cache/redisstore's tests use.
#
#   bash .ci/redis.sh start   # install redis-server if missing, start it, wait for PONG
#   bash .ci/redis.sh stop    # shut it down (no error when it is not running)
#
# The server listens on 127.0.0.1 only, on STRATA_REDIS_PORT (default 6399),
# keeps nothing on disk (no RDB snapshots, no AOF) and writes its pidfile and
# log under a temporary directory recorded in STATE (below), so start and stop
# can run in different shells. Tests find it through STRATA_REDIS_ADDR
# (default 127.0.0.1:6399).
set -euo pipefail

port="${STRATA_REDIS_PORT:-6399}"
state="${TMPDIR:-/tmp}/strata-redis-${port}.dir"

start() {
	if ! command -v redis-server >/dev/null 2>&1; then
		echo "== installing redis-server"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq redis-server >/dev/null
	fi
	if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
		echo "== redis already answering on 127.0.0.1:$port"
		return 0
	fi
	dir=$(mktemp -d "${TMPDIR:-/tmp}/strata-redis.XXXXXX")
	echo "$dir" >"$state"
	redis-server --bind 127.0.0.1 --port "$port" --daemonize yes \
		--save '' --appendonly no --dir "$dir" \
		--pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
	for _ in $(seq 1 100); do
		if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
			echo "== redis $(redis-server --version | awk '{print $3}') on 127.0.0.1:$port"
			return 0
		fi
		sleep 0.1
	done
	echo "redis-server did not answer on 127.0.0.1:$port within 10s; its log:" >&2
	cat "$dir/redis.log" >&2 || true
	return 1
}

stop() {
	if redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
		redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
	fi
	if [ -f "$state" ]; then
		dir=$(cat "$state")
		# SHUTDOWN may have been refused or the server may be stuck: make sure.
		if [ -f "$dir/redis.pid" ]; then
			pid=$(cat "$dir/redis.pid")
			for _ in $(seq 1 50); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" || true; fi
		fi
		rm -rf "$dir" "$state"
	fi
	echo "== redis on 127.0.0.1:$port stopped"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac
