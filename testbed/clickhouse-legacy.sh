#!/usr/bin/env bash
# testbed/clickhouse-legacy.sh: real ClickHouse servers for deployctl's integration tests.
#
# The only ClickHouse server Debian 12 ships is clickhouse-server 18.16.1 (December 2018): old
# SQL and an old HTTP error format, but a real server speaking the real HTTP interface, with
# users from users.xml, and real replication through ZooKeeper. This script runs, on this
# machine's 127.0.0.1 only:
#
#   single     a standalone server                http 19123  tcp 19000
#   zookeeper  ZooKeeper 3.8 (Debian), standalone  client 19181
#   replica1   replica r1 of deployctl_cluster    http 19124  tcp 19001  interserver 19011
#   replica2   replica r2 of deployctl_cluster    http 19125  tcp 19002  interserver 19012
#
# deployctl_cluster is one shard of both replicas (internal_replication), with distributed DDL
# (ON CLUSTER) queued in ZooKeeper under /clickhouse/task_queue/ddl. stop-replica/start-replica
# let a test stop a replica (provoking code 159, distributed DDL timeout) and bring it back with
# its data. Every process is started here, detached with setsid, tracked by the PID in
# run/NAME.pid and stopped by that PID only, never by name.
#
# Usage: see usage() below.
#
# Environment:
#   TESTBED_DIR          generated state, default <repo>/.testbed
#   LEGACY_PORT_OFFSET   added to every port above (default 0), e.g. for a second checkout's
#                        testbed running at the same time
#   LEGACY_UP_TIMEOUT    seconds `up`/`start-replica` wait for everything to answer, default 60
#
# Generated state:
#   TESTBED_DIR/secrets/legacy-admin, legacy-writer
#                        passwords of the ClickHouse users admin and etl_writer: made once,
#                        kept across up/down, mode 600, no trailing newline
#   TESTBED_DIR/legacy/  logs/NAME.log (stdout/stderr of each process, written by root) and
#                        logs/NAME.err.log (ClickHouse's own error log, copied there by `down`),
#                        run/NAME.pid. Kept after `down`, to read the logs
#   /var/lib/deployctl-testbed/KEY/
#                        what the servers themselves read and write: NAME/etc (config), NAME/data,
#                        NAME/tmp, NAME/log, zookeeper/{conf,data}. The servers run as their own
#                        users (clickhouse, zookeeper), which cannot reach a checkout under a home
#                        directory (mode 0700), so this lives outside the checkout, in a folder
#                        keyed by TESTBED_DIR (KEY: the first 12 hex digits of its path's SHA-256;
#                        STATE_DIR names it in legacy.json). Wiped by an `up` that finds nothing
#                        running, so every run starts from empty servers; removed by `down`
#   TESTBED_DIR/legacy.json
#                        what tests read; exists only between `up` and `down`
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
TEMPLATES=$REPO_ROOT/testbed/legacy
TESTBED_DIR=${TESTBED_DIR:-$REPO_ROOT/.testbed}
PORT_OFFSET=${LEGACY_PORT_OFFSET:-0}
UP_TIMEOUT=${LEGACY_UP_TIMEOUT:-60}
# How long a process gets between SIGTERM and SIGKILL.
STOP_TIMEOUT=20

PACKAGES=(clickhouse-server clickhouse-client zookeeper)
CH_SERVER=/usr/sbin/clickhouse-server
# ZooKeeper's own jar lists its dependencies in its manifest's Class-Path; what it does not list
# is the logging backend: Debian's ZooKeeper 3.8 logs through slf4j to log4j 1.2.
ZK_JARS=/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar
# Without a limit the JVM takes a quarter of the machine's memory for its heap.
ZK_HEAP=256m
# Parent of every checkout's server folder (see "Generated state").
STATE_ROOT=/var/lib/deployctl-testbed

CH_SERVERS=(single replica1 replica2)
ALL_PROCS=(single zookeeper replica1 replica2)
declare -A HTTP_PORT TCP_PORT INTERSERVER_PORT REPLICA_NAME
HTTP_PORT=([single]=19123 [replica1]=19124 [replica2]=19125)
TCP_PORT=([single]=19000 [replica1]=19001 [replica2]=19002)
INTERSERVER_PORT=([replica1]=19011 [replica2]=19012)
REPLICA_NAME=([replica1]=r1 [replica2]=r2)
ZK_PORT=19181
CLUSTER=deployctl_cluster

usage() {
	cat >&2 <<-'EOF'
		usage (as root):
		  testbed/clickhouse-legacy.sh preflight        check in milliseconds that `up` can start here (free
		                                                ports, a folder the servers' users can reach)
		  testbed/clickhouse-legacy.sh deps             install clickhouse-server, clickhouse-client, zookeeper
		  testbed/clickhouse-legacy.sh up               start single, zookeeper, replica1, replica2 (what is not
		                                                running yet), wait until all answer, write legacy.json
		  testbed/clickhouse-legacy.sh down             stop everything started by up, remove legacy.json
		  testbed/clickhouse-legacy.sh status           one line per process
		  testbed/clickhouse-legacy.sh stop-replica N   stop replica N (1 or 2), keeping its data
		  testbed/clickhouse-legacy.sh start-replica N  start replica N again and wait until it answers
	EOF
	exit 2
}
log() { printf 'clickhouse-legacy: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}
now() { printf '%(%s)T' -1; }
# Milliseconds since the epoch, for the timings printed.
now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}
# Seconds (with milliseconds) since START, from now_ms.
elapsed() {
	local ms=$(($(now_ms) - $1))
	printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}

resolve_dirs() {
	if ! [[ $PORT_OFFSET =~ ^[0-9]+$ ]] || ((PORT_OFFSET > 40000)); then
		die "LEGACY_PORT_OFFSET must be a number <= 40000"
	fi
	[[ $UP_TIMEOUT =~ ^[0-9]+$ ]] || die "LEGACY_UP_TIMEOUT must be a number of seconds"
	local name
	for name in "${CH_SERVERS[@]}"; do
		HTTP_PORT[$name]=$((HTTP_PORT[$name] + PORT_OFFSET))
		TCP_PORT[$name]=$((TCP_PORT[$name] + PORT_OFFSET))
	done
	for name in replica1 replica2; do
		INTERSERVER_PORT[$name]=$((INTERSERVER_PORT[$name] + PORT_OFFSET))
	done
	ZK_PORT=$((ZK_PORT + PORT_OFFSET))

	mkdir -p "$TESTBED_DIR"
	TESTBED_DIR=$(cd "$TESTBED_DIR" && pwd -P)
	RUN=$TESTBED_DIR/legacy/run
	LOGS=$TESTBED_DIR/legacy/logs
	LEGACY=$STATE_ROOT/$(printf '%s' "$TESTBED_DIR" | sha256sum | cut -c1-12)
	SECRETS=$TESTBED_DIR/secrets
	ADMIN_PW_FILE=$SECRETS/legacy-admin
	WRITER_PW_FILE=$SECRETS/legacy-writer
	JSON=$TESTBED_DIR/legacy.json
	mkdir -p "$RUN" "$LOGS"
}

# The servers' own folder: searchable (not readable) by others down to it, so that clickhouse and
# zookeeper reach their subfolders, which are theirs (see write_server_config).
make_state_dir() {
	mkdir -p "$LEGACY"
	chmod 755 "$STATE_ROOT"
	chmod 711 "$LEGACY"
}

# Serialises the commands that start or stop something. Fd 9 is closed for every process started
# (see launch), or a long-lived server would hold the lock forever.
take_lock() {
	exec 9>"$RUN/.lock"
	flock -w 300 9 || die "another clickhouse-legacy.sh holds $RUN/.lock"
}

# --- deps --------------------------------------------------------------------------------------

installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]; }

# The packages' own daemon as its init script starts it (there is no PID file: neither the init
# script nor the server writes one). Prints its PIDs.
package_daemon_pids() {
	local dir pid
	for dir in /proc/[0-9]*; do
		pid=${dir#/proc/}
		[[ $(tr '\0' ' ' 2>/dev/null <"$dir/cmdline") == "$CH_SERVER --config=/etc/clickhouse-server/config.xml " ]] &&
			echo "$pid"
	done
	return 0
}

POLICY_RC=/usr/sbin/policy-rc.d
CREATED_POLICY_RC=
cmd_deps() {
	local pkg missing=() before pid
	for pkg in "${PACKAGES[@]}"; do
		installed "$pkg" || missing+=("$pkg")
	done
	((${#missing[@]} > 0)) || return 0
	log "installing ${missing[*]}"
	# clickhouse-server's postinst starts the package's own server (on 8123/9000, every address)
	# through invoke-rc.d, which asks policy-rc.d first: exit 101 means "do not start anything".
	# This machine kind ships such a policy-rc.d; where there is none, one lives for the install.
	if [[ ! -e $POLICY_RC ]]; then
		printf '#!/bin/sh\n# Temporary, by clickhouse-legacy.sh deps: no daemons at install.\nexit 101\n' >"$POLICY_RC"
		chmod 755 "$POLICY_RC"
		CREATED_POLICY_RC=$POLICY_RC
	fi
	before=$(package_daemon_pids)
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# zookeeper depends on default-jre itself, so apt brings the JRE along.
	apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
	remove_policy_rc
	# If a daemon was started all the same, stop it: only one that was not running before the
	# install and has exactly the init script's command line, i.e. the one the install started.
	for pid in $(package_daemon_pids); do
		grep -qx "$pid" <<<"$before" && continue
		log "stopping the package's own clickhouse-server (pid $pid) started by its postinst"
		stop_pid package-clickhouse-server "$pid" "$CH_SERVER"
	done
}

remove_policy_rc() {
	[[ -n $CREATED_POLICY_RC ]] || return 0
	rm -f "$CREATED_POLICY_RC"
	CREATED_POLICY_RC=
}

# --- processes ---------------------------------------------------------------------------------

# The file that tells one of our processes apart from every other process: its configuration
# (for the servers) or zoo.cfg (for ZooKeeper), which is on its command line.
proc_marker() {
	case $1 in
	zookeeper) echo "$LEGACY/zookeeper/conf/zoo.cfg" ;;
	*) echo "--config-file=$LEGACY/$1/etc/config.xml" ;;
	esac
}

# True if PID is alive (not a zombie) and has MARKER as one of its arguments: guards against a
# recorded PID that has since been reused by another process.
is_proc() {
	local pid=$1 marker=$2 stat
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ $stat != Z* ]] || return 1
	tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" | grep -qxF -- "$marker"
}

recorded_pid() {
	local file=$RUN/$1.pid
	[[ -f $file ]] && cat "$file"
}

running() {
	local pid
	pid=$(recorded_pid "$1") && is_proc "$pid" "$(proc_marker "$1")"
}

# Usage: stop_pid LABEL PID MARKER. SIGTERM, up to STOP_TIMEOUT s for a clean shutdown, then
# SIGKILL. Returns once the process is gone.
stop_pid() {
	local label=$1 pid=$2 marker=$3 deadline
	is_proc "$pid" "$marker" || return 0
	kill -TERM "$pid" 2>/dev/null || true
	deadline=$(($(now) + STOP_TIMEOUT))
	while is_proc "$pid" "$marker" && (($(now) < deadline)); do
		sleep 0.1
	done
	if is_proc "$pid" "$marker"; then
		log "$label: no clean shutdown in $STOP_TIMEOUT s, killing pid $pid"
		kill -KILL "$pid" 2>/dev/null || true
		for _ in {1..50}; do
			is_proc "$pid" "$marker" || break
			sleep 0.1
		done
		! is_proc "$pid" "$marker" || die "$label: pid $pid survived SIGKILL"
	fi
}

# Stops one of our processes by its recorded PID and forgets the PID.
stop_proc() {
	local name=$1 pid
	if pid=$(recorded_pid "$name"); then
		if is_proc "$pid" "$(proc_marker "$name")"; then
			stop_pid "$name" "$pid" "$(proc_marker "$name")"
			log "$name: stopped (pid $pid)"
		fi
		rm -f "$RUN/$name.pid"
	fi
}

# Fails unless nothing listens on 127.0.0.1:PORT. A connect that succeeds means it is taken (by a
# server on 127.0.0.1 or on every address); "connection refused" means it is free.
require_free_port() {
	local port=$1 what=$2
	if timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
		die "$what: port 127.0.0.1:$port is already in use (\`ss -ltnp 'sport = :$port'\` shows by whom); stop that, or set LEGACY_PORT_OFFSET"
	fi
}

# Usage: launch NAME USER COMMAND... Starts COMMAND as USER, detached in its own session, with
# output to logs/NAME.log, and records its PID. setpriv execs in place, so the PID is the
# server's own: `runuser` would stay as a parent (for its PAM session) and, when sent SIGTERM,
# kill the server with SIGKILL after 2 s, cutting ClickHouse's clean shutdown short.
launch() {
	local name=$1 user=$2 pid
	shift 2
	setsid setpriv --reuid="$user" --regid="$user" --init-groups -- "$@" \
		</dev/null >>"$LOGS/$name.log" 2>&1 9>&- &
	pid=$!
	echo "$pid" >"$RUN/$name.pid.tmp"
	mv "$RUN/$name.pid.tmp" "$RUN/$name.pid"
	log "$name: started (pid $pid)"
}

# --- configuration -----------------------------------------------------------------------------

# Prints template FILE with each @KEY@ replaced by its VALUE. Usage: render FILE KEY VALUE...
# (Bash replacement rather than sed: values are paths and passwords. The replacement is quoted
# because bash 5.2 otherwise treats & in it as the matched text.)
render() {
	local template=$1 text
	text=$(<"$template")
	shift
	while (($# >= 2)); do
		text=${text//@$1@/"$2"}
		shift 2
	done
	if [[ $text =~ @[A-Z][A-Z0-9_]*@ ]]; then
		die "$(basename "$template"): placeholder ${BASH_REMATCH[0]} not filled in"
	fi
	printf '%s\n' "$text"
}

# Random password: 24 letters and digits (nothing that needs escaping in XML, a URL or a shell).
ensure_password() {
	local file=$1 pw
	[[ -s $file ]] && return 0
	mkdir -p "$SECRETS"
	chmod 700 "$SECRETS"
	pw=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 24) || true
	((${#pw} == 24)) || die "could not generate a password"
	(umask 077 && printf '%s' "$pw" >"$file.tmp")
	mv "$file.tmp" "$file"
}

sha256_of_file() {
	local sum
	sum=$(sha256sum <"$1")
	echo "${sum%% *}"
}

# Writes one server's directory: etc/config.xml (+ etc/config.d/cluster.xml for a replica),
# etc/users.xml, and empty data/tmp/log, all owned by clickhouse (the server also writes
# etc/config-preprocessed.xml etc. next to its configuration).
write_server_config() {
	local name=$1 dir=$LEGACY/$1
	mkdir -p "$dir/etc" "$dir/data" "$dir/tmp" "$dir/log"
	render "$TEMPLATES/config.xml.in" NAME "$name" DIR "$dir" HTTP_PORT "${HTTP_PORT[$name]}" \
		TCP_PORT "${TCP_PORT[$name]}" >"$dir/etc/config.xml"
	render "$TEMPLATES/users.xml.in" ADMIN_SHA256 "$(sha256_of_file "$ADMIN_PW_FILE")" \
		WRITER_SHA256 "$(sha256_of_file "$WRITER_PW_FILE")" >"$dir/etc/users.xml"
	if [[ -n ${REPLICA_NAME[$name]:-} ]]; then
		mkdir -p "$dir/etc/config.d"
		render "$TEMPLATES/cluster.xml.in" INTERSERVER_PORT "${INTERSERVER_PORT[$name]}" \
			ZK_PORT "$ZK_PORT" REPLICA "${REPLICA_NAME[$name]}" \
			R1_TCP_PORT "${TCP_PORT[replica1]}" R2_TCP_PORT "${TCP_PORT[replica2]}" \
			ADMIN_PASSWORD "$(<"$ADMIN_PW_FILE")" >"$dir/etc/config.d/cluster.xml"
	fi
	# Not -R over data/: on a restart that keeps the data it is clickhouse's already.
	chown clickhouse:clickhouse "$dir" "$dir/data" "$dir/tmp" "$dir/log"
	chown -R clickhouse:clickhouse "$dir/etc"
	# The configuration holds the admin password (cluster.xml) and the hashes: not for others.
	chmod o-rwx "$dir"
	chmod -R o-rwx "$dir/etc"
}

write_zookeeper_config() {
	local dir=$LEGACY/zookeeper
	mkdir -p "$dir/conf" "$dir/data" "$dir/log"
	render "$TEMPLATES/zoo.cfg.in" DATA_DIR "$dir/data" ZK_PORT "$ZK_PORT" >"$dir/conf/zoo.cfg"
	cp "$TEMPLATES/log4j.properties" "$dir/conf/log4j.properties"
	chown -R zookeeper:zookeeper "$dir"
}

# The servers run as clickhouse/zookeeper and must reach their folders. They do by construction
# (make_state_dir); this guards against a STATE_ROOT made unreachable by hand, which would
# otherwise fail with a confusing server log.
check_reachable() {
	local user
	for user in clickhouse zookeeper; do
		setpriv --reuid="$user" --regid="$user" --init-groups -- test -x "$LEGACY" ||
			die "user $user cannot reach $LEGACY: every folder on the way must be searchable by others (\`ls -ld $STATE_ROOT $LEGACY\`)"
	done
}

# What `up` needs and cannot fix itself, checked before any package is installed or anything is
# built: the ports of whatever is not running yet, and a STATE_ROOT the servers' users can reach
# (every folder on its way searchable by others; the users may not exist yet).
cmd_preflight() {
	local name dir
	for name in "${ALL_PROCS[@]}"; do
		running "$name" || require_free_ports "$name"
	done
	dir=$STATE_ROOT
	until [[ -e $dir ]]; do dir=$(dirname "$dir"); done
	while [[ $dir != / ]]; do
		[[ $(stat -c %A "$dir") == *x ]] ||
			die "$dir is not searchable by others, so the servers' users could not reach $STATE_ROOT (chmod o+x $dir)"
		dir=$(dirname "$dir")
	done
	log "preflight: ok (its 9 ports on 127.0.0.1 free or already its own, $STATE_ROOT reachable)"
}

# --- starting ----------------------------------------------------------------------------------

# Fails unless every port NAME will listen on is free.
require_free_ports() {
	local name=$1
	if [[ $name == zookeeper ]]; then
		require_free_port "$ZK_PORT" zookeeper
		return
	fi
	require_free_port "${HTTP_PORT[$name]}" "$name (http)"
	require_free_port "${TCP_PORT[$name]}" "$name (tcp)"
	[[ -z ${INTERSERVER_PORT[$name]:-} ]] || require_free_port "${INTERSERVER_PORT[$name]}" "$name (interserver)"
}

start_clickhouse() {
	local name=$1
	require_free_ports "$name"
	launch "$name" clickhouse "$CH_SERVER" "--config-file=$LEGACY/$name/etc/config.xml"
}

start_zookeeper() {
	local conf=$LEGACY/zookeeper/conf
	require_free_ports zookeeper
	# QuorumPeerMain with a zoo.cfg without server.N lines runs a standalone server. The conf dir
	# comes first on the class path for log4j.properties. No JMX options: no JMX port is opened.
	launch zookeeper zookeeper /usr/bin/java "-Xmx$ZK_HEAP" -XX:+UseSerialGC \
		"-Dzookeeper.log.dir=$LEGACY/zookeeper/log" -Dzookeeper.datadir.autocreate=true \
		-cp "$conf:$ZK_JARS" org.apache.zookeeper.server.quorum.QuorumPeerMain "$conf/zoo.cfg"
}

# Usage: ch_query NAME SQL [CURL-ARGS...]. Runs SQL on server NAME as admin; prints the body.
# The password goes to curl on stdin (its -K config), not on the command line where ps shows it.
ch_query() {
	local name=$1 sql=$2
	shift 2
	printf 'user = "admin:%s"\n' "$(<"$ADMIN_PW_FILE")" |
		curl -sS -f -K - "$@" --data-binary "$sql" "http://127.0.0.1:${HTTP_PORT[$name]}/"
}

# Four-letter word to ZooKeeper; prints its answer.
zk_4lw() {
	# shellcheck disable=SC2016 # $1 and $2 are the inner bash's arguments
	timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf %s "$2" >&3 && cat <&3' _ "$ZK_PORT" "$1" 2>/dev/null
}

# Fails with the end of NAME's logs.
proc_failed() {
	local name=$1 file
	shift
	log "$name: $*"
	for file in "$LOGS/$name.log" "$LEGACY/$name/log/clickhouse-server.err.log"; do
		[[ -s $file ]] || continue
		log "end of $file:"
		tail -n 25 "$file" >&2
	done
	return 1
}

# Waits until NAME answers (until DEADLINE, in epoch seconds).
wait_ready() {
	local name=$1 deadline=$2 marker pid answer
	marker=$(proc_marker "$name")
	pid=$(recorded_pid "$name")
	while :; do
		if [[ $name == zookeeper ]]; then
			answer=$(zk_4lw ruok) || true
			[[ $answer == imok ]] && break
		else
			answer=$(ch_query "$name" 'SELECT 1' --max-time 2 2>/dev/null) || true
			[[ $answer == 1 ]] && break
		fi
		is_proc "$pid" "$marker" || proc_failed "$name" "exited before answering" || return
		(($(now) < deadline)) || proc_failed "$name" "not answering after $UP_TIMEOUT s" || return
		sleep 0.2
	done
	log "$name: ready"
}

# --- legacy.json -------------------------------------------------------------------------------

# A JSON string.
quote() {
	local s=${1//\\/\\\\}
	printf '"%s"' "${s//\"/\\\"}"
}

json_pid() {
	local pid
	if running "$1" && pid=$(recorded_pid "$1"); then echo "$pid"; else echo null; fi
}

# Written to a temporary file and renamed, so a reader never sees half of it. A stopped replica
# (stop-replica) has "pid": null.
write_json() {
	local version=$1
	cat >"$JSON.tmp" <<-EOF
		{
		  "single": {"http_url": "http://127.0.0.1:${HTTP_PORT[single]}", "tcp_port": ${TCP_PORT[single]}, "pid": $(json_pid single)},
		  "cluster": {
		    "name": "$CLUSTER",
		    "replicas": [
		      {"name": "r1", "http_url": "http://127.0.0.1:${HTTP_PORT[replica1]}", "tcp_port": ${TCP_PORT[replica1]}, "pid": $(json_pid replica1)},
		      {"name": "r2", "http_url": "http://127.0.0.1:${HTTP_PORT[replica2]}", "tcp_port": ${TCP_PORT[replica2]}, "pid": $(json_pid replica2)}
		    ],
		    "zookeeper": "127.0.0.1:$ZK_PORT",
		    "zookeeper_pid": $(json_pid zookeeper)
		  },
		  "admin_user": "admin",
		  "admin_password_file": $(quote "$ADMIN_PW_FILE"),
		  "writer_user": "etl_writer",
		  "writer_password_file": $(quote "$WRITER_PW_FILE"),
		  "state_dir": $(quote "$LEGACY"),
		  "version": $(quote "$version")
		}
	EOF
	mv "$JSON.tmp" "$JSON"
}

# The version as the running single server reports it, else as the previous legacy.json said.
server_version() {
	local v
	v=$(ch_query single 'SELECT version()' --max-time 5 2>/dev/null) ||
		v=$(sed -n 's/^  "version": "\(.*\)"$/\1/p' "$JSON" 2>/dev/null) || true
	echo "${v:-unknown}"
}

# --- commands ----------------------------------------------------------------------------------

cmd_up() {
	local start name pkg any=0 deadline failed=0 started=()
	start=$(now_ms)
	for pkg in "${PACKAGES[@]}"; do
		installed "$pkg" || die "$pkg is not installed: run \`$0 deps\` first"
	done
	for name in "${ALL_PROCS[@]}"; do
		if running "$name"; then any=1; else rm -f "$RUN/$name.pid"; fi
	done
	# All ports before any start, so that a taken port leaves nothing half started behind.
	for name in "${ALL_PROCS[@]}"; do
		running "$name" || require_free_ports "$name"
	done
	make_state_dir
	check_reachable
	ensure_password "$ADMIN_PW_FILE"
	ensure_password "$WRITER_PW_FILE"
	if ((any == 0)); then
		# Nothing runs: start from empty servers (data, ZooKeeper, logs), so that no test sees
		# what an earlier run left behind.
		rm -f "$JSON"
		for name in "${ALL_PROCS[@]}"; do
			rm -rf --one-file-system "${LEGACY:?}/$name"
		done
		rm -f "$LOGS"/*.log
	fi
	# Configuration is rewritten every time (ports or passwords may have changed since); a
	# running server rereads users.xml by itself, its ports it only takes at its next start.
	for name in "${CH_SERVERS[@]}"; do
		write_server_config "$name"
	done
	write_zookeeper_config

	# ZooKeeper first: an 18.16 server with <zookeeper> configured does not start while it cannot
	# reach it. The standalone server does not need it and starts meanwhile.
	for name in zookeeper single; do
		running "$name" && continue
		if [[ $name == zookeeper ]]; then start_zookeeper; else start_clickhouse "$name"; fi
		started+=("$name")
	done
	deadline=$(($(now) + UP_TIMEOUT))
	wait_ready zookeeper "$deadline" || die "zookeeper did not come up; \`$0 down\` stops what did"
	for name in replica1 replica2; do
		running "$name" && continue
		start_clickhouse "$name"
		started+=("$name")
	done
	for name in "${CH_SERVERS[@]}"; do
		wait_ready "$name" "$deadline" || failed=1
	done
	((failed == 0)) || die "not everything came up; \`$0 down\` stops what did"
	write_json "$(server_version)"
	log "up in $(elapsed "$start") s (started: ${started[*]:-nothing}); $JSON"
}

cmd_down() {
	local start name pids=() pid failed=0
	start=$(now_ms)
	# The servers before ZooKeeper, so that the replicas do not spend their shutdown
	# reconnecting; they are sent SIGTERM together and stopped in parallel.
	for name in single replica1 replica2; do
		stop_proc "$name" &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || failed=1
	done
	stop_proc zookeeper
	((failed == 0)) || die "a server could not be stopped"
	rm -f "$RUN"/*.pid "$JSON"
	# ClickHouse's own error logs stay readable in the checkout; the servers' folder goes.
	for name in "${CH_SERVERS[@]}"; do
		[[ ! -s $LEGACY/$name/log/clickhouse-server.err.log ]] ||
			cp "$LEGACY/$name/log/clickhouse-server.err.log" "$LOGS/$name.err.log"
	done
	rm -rf --one-file-system "${LEGACY:?}"
	log "down in $(elapsed "$start") s"
}

cmd_status() {
	local name pid state answer ports
	for name in "${ALL_PROCS[@]}"; do
		pid=$(recorded_pid "$name") || pid=-
		state=stopped
		answer=-
		if running "$name"; then
			state=running
			answer=not-answering
			if [[ $name == zookeeper ]]; then
				[[ $(zk_4lw ruok) != imok ]] || answer=answering
			else
				[[ $(ch_query "$name" 'SELECT 1' --max-time 2 2>/dev/null) != 1 ]] || answer=answering
			fi
		fi
		case $name in
		zookeeper) ports="client $ZK_PORT" ;;
		single) ports="http ${HTTP_PORT[$name]} tcp ${TCP_PORT[$name]}" ;;
		*) ports="http ${HTTP_PORT[$name]} tcp ${TCP_PORT[$name]} interserver ${INTERSERVER_PORT[$name]}" ;;
		esac
		printf '%-10s %-8s %-8s %-14s %s\n' "$name" "$pid" "$state" "$answer" "$ports"
	done
}

replica_arg() {
	[[ ${1:-} == [12] ]] || die "replica number must be 1 or 2"
	echo "replica$1"
}

cmd_stop_replica() {
	local name
	name=$(replica_arg "${1:-}")
	[[ -f $JSON ]] || die "the legacy testbed is not up"
	stop_proc "$name"
	write_json "$(server_version)"
}

cmd_start_replica() {
	local name start
	name=$(replica_arg "${1:-}")
	[[ -f $JSON ]] || die "the legacy testbed is not up"
	start=$(now_ms)
	if running "$name"; then
		log "$name: already running (pid $(recorded_pid "$name"))"
	else
		running zookeeper || die "zookeeper is not running: \`$0 up\` starts everything"
		# Same configuration and data as before: the replica catches up on the DDL queue and the
		# replication log itself.
		start_clickhouse "$name"
		wait_ready "$name" "$(($(now) + UP_TIMEOUT))" || die "$name did not come up"
		log "$name: up in $(elapsed "$start") s"
	fi
	write_json "$(server_version)"
}

main() {
	[[ $(id -u) == 0 ]] || die "must run as root (apt-get, and the servers run as their own users)"
	local cmd=${1:-}
	shift || true
	trap remove_policy_rc EXIT
	case $cmd in
	deps) cmd_deps ;;
	preflight | up | down | status | stop-replica | start-replica)
		resolve_dirs
		[[ $cmd == status || $cmd == preflight ]] || take_lock
		case $cmd in
		preflight) cmd_preflight ;;
		up) cmd_up ;;
		down) cmd_down ;;
		status) cmd_status ;;
		stop-replica) cmd_stop_replica "$@" ;;
		start-replica) cmd_start_replica "$@" ;;
		esac
		;;
	*) usage ;;
	esac
}

main "$@"
