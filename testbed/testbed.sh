#!/usr/bin/env bash
# testbed/testbed.sh: real Linux hosts for deployctl's integration tests.
#
# Each host is a Debian 12 (bookworm) systemd-nspawn container that boots systemd as its PID 1,
# runs OpenSSH 9.2 and has its own network namespace (--network-veth): its 127.0.0.1 is its own,
# like a production server, and the machine reaches it at 10.77.N.2 through the veth pair.
# This machine has no systemd of its own, hence `--register=no --keep-unit`, and every container
# is tracked and stopped by the PID of its systemd-nspawn process, never by name.
#
# A host's root is an overlay mount: the debootstrap tree, unpacked once into the cache and never
# written, below a fresh empty upper directory per `up`. That is as fresh as unpacking the tarball
# per host, but costs milliseconds instead of 3-20 s per host (on these VMs, writing hundreds of
# MB of new files is slow and erratic), and the hosts share one copy of the tree.
#
# Between the two lies the ClickHouse layer, built once into the cache as well: the venv /opt/ch
# with chDB (the ClickHouse 26.9 engine as a Python library, ~560 MB), clickhouse/chdb_http.py (the
# HTTP interface in front of it), the clickhouse system user and clickhouse-server.service. Every
# host runs that unit on its own 127.0.0.1:8123, with a users.xml written by up from the passwords
# in secrets/ (admin, etl_writer, and the readonly datalens_reader). See clickhouse/README.md.
# Except the CONTAINER_HOSTS (client-prod): there, as on the client's production server, the same
# front runs in container ch-zakaz (podman, `docker` command) with 8123 published on 127.0.0.1.
#
# Usage: see usage() below.
#
# Environment:
#   TESTBED_DIR            generated state, default <repo>/.testbed
#   TESTBED_CACHE          rootfs tarball, chDB wheel and layer cache, default <repo>/.testbed/cache
#   TESTBED_BOOT_TIMEOUT   seconds a host may take from launch to "running", default 90
#
# Generated state in TESTBED_DIR (kept across up/down unless noted):
#   keys/                  client keys (id_ed25519, id_ecdsa, id_ed25519_encrypted + passphrase,
#                          id_rsa, id_ed25519_wrong)
#   hostkeys/NAME/         each host's SSH host keys, reused so known_hosts stays valid
#   known_hosts            the hosts' host keys (rewritten by up)
#   secrets/clickhouse-{admin,writer,reader}
#                          ClickHouse passwords of admin, etl_writer and datalens_reader (made once)
#   environments/*.toml    deployctl environment files for the testbed (rewritten by up)
#   hosts/NAME/            root/ (overlay mount point), upper/ + work/ (the host's own files;
#                          made fresh by up, removed with the mount by down), console.log
#   run/NAME.pid           PID of the host's systemd-nspawn (removed by down)
#   run/fleet-forward.pid  PID of the ssh that carries the fleet hosts' ClickHouse port (up --fleet)
#   testbed.json           what tests read; exists only while the testbed is up
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
TESTBED_DIR=${TESTBED_DIR:-$REPO_ROOT/.testbed}
TESTBED_CACHE=${TESTBED_CACHE:-$REPO_ROOT/.testbed/cache}
BOOT_TIMEOUT=${TESTBED_BOOT_TIMEOUT:-90}
# Bump the suffix whenever the debootstrap command changes, so that caches get rebuilt.
ROOTFS_NAME=rootfs-bookworm-v2
# podman (with its `docker` command, netavark and iptables for published ports) runs the container
# host's ClickHouse, as on the client's production server.
ROOTFS_PACKAGES=systemd,systemd-sysv,dbus,openssh-server,iproute2,python3,python3-venv,ca-certificates,procps,sudo,podman,crun,podman-docker,netavark,iptables
# chdb-core from PyPI; its engine answers `SELECT version()` with 26.9.2.1. Bump the recipe suffix
# whenever build_clickhouse_layer changes; the files it installs are hashed into the layer's name.
CHDB_VERSION=26.9.0
CLICKHOUSE_LAYER_RECIPE=v1
CLICKHOUSE_HTTP_PORT=8123 # also in clickhouse/clickhouse-server.service

# Host name -> N of its subnet 10.77.N.0/24 (host 10.77.N.2, machine end 10.77.N.1).
# nspawn names the machine end "ve-NAME" only while that fits in 15 characters (it hashes longer
# names), so host names must stay at most 12 characters.
declare -A HOST_NET=([museshow]=1 [client-prod]=2 [prod2]=3)
ALL_HOSTS=(museshow client-prod prod2)
# `up --fleet N` adds N light hosts fleet01...fleetNN (10.77.20+i.0/24): systemd and sshd on the
# bare rootfs, no ClickHouse layer and no podman, like the app servers of a larger installation.
# Their 127.0.0.1:8123 is museshow's ClickHouse, the environment's database: systemd-socket-proxyd
# on each forwards it to the machine end of its veth, where one ssh -L (run/fleet-forward.pid) carries
# it to museshow's own 127.0.0.1:8123.
FLEET_MAX=40
FLEET_NET=20
for ((i = 1; i <= FLEET_MAX; i++)); do
	HOST_NET[$(printf 'fleet%02d' "$i")]=$((FLEET_NET + i))
done
# Hosts whose ClickHouse runs in a container, as on the client's production server: container
# ch-zakaz from an image imported out of the testbed's own layers, its HTTP port published on the
# host's 127.0.0.1. The others run clickhouse-server.service.
CONTAINER_HOSTS=(client-prod)
CONTAINER=ch-zakaz
CONTAINER_IMAGE=localhost/ch-zakaz:testbed

usage() {
	cat >&2 <<-'EOF'
		usage (as root):
		  testbed/testbed.sh preflight     check in seconds what `up` needs of this machine (kernel features,
		                                   free disk, the hosts' subnets), before anything is built or booted
		  testbed/testbed.sh deps          install the Debian packages the testbed and the build need
		  testbed/testbed.sh rootfs        build the cached root filesystem tarball (a minute or two) and
		                                   the ClickHouse layer (chDB from PyPI, once)
		  testbed/testbed.sh up [--fleet N] [HOST...]
		                                   boot hosts (default: museshow client-prod prod2), then
		                                   write known_hosts, environments/ and testbed.json;
		                                   --fleet N adds N light hosts fleet01... (systemd and sshd,
		                                   museshow's ClickHouse on their 127.0.0.1:8123; N <= 40)
		  testbed/testbed.sh down [--fleet] stop every host started by up (--fleet: the light ones only)
		  testbed/testbed.sh status        one line per host: name, address, pid, running/stopped
	EOF
	exit 2
}
log() { printf 'testbed: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}
now() { printf '%(%s)T' -1; }
host_addr() { printf '10.77.%s.2' "${HOST_NET[$1]}"; }
is_fleet_host() { [[ $1 == fleet[0-9][0-9] ]]; }
outside_addr() { printf '10.77.%s.1' "${HOST_NET[$1]}"; }

# The absolute state paths are written into JSON and TOML files, so resolve them once.
resolve_dirs() {
	mkdir -p "$TESTBED_DIR" "$TESTBED_CACHE"
	TESTBED_DIR=$(cd "$TESTBED_DIR" && pwd -P)
	TESTBED_CACHE=$(cd "$TESTBED_CACHE" && pwd -P)
	ROOTFS_TAR=$TESTBED_CACHE/$ROOTFS_NAME.tar
	# The tarball unpacked: the read-only lower layer of every host's overlay root.
	ROOTFS_TREE=$TESTBED_CACHE/$ROOTFS_NAME
	WHEELS=$TESTBED_CACHE/wheels
	# The ClickHouse layer, between ROOTFS_TREE and each host's upper directory; see build_clickhouse_layer.
	local files_hash
	# The layer is a diff against one rootfs: its name changes with the rootfs's too.
	files_hash=$( (echo "$ROOTFS_NAME"; cat "$REPO_ROOT/testbed/clickhouse/chdb_http.py" "$REPO_ROOT/testbed/clickhouse/clickhouse-server.service") |
		sha256sum | cut -c1-12)
	CLICKHOUSE_LAYER=$TESTBED_CACHE/chdb-$CHDB_VERSION-$CLICKHOUSE_LAYER_RECIPE-$files_hash
	SECRETS=$TESTBED_DIR/secrets
	# overlayfs takes its directories as a comma-separated option list with ':' between layers.
	[[ $TESTBED_DIR$TESTBED_CACHE != *[,:]* ]] || die "TESTBED_DIR and TESTBED_CACHE must not contain ',' or ':'"
	KEYS=$TESTBED_DIR/keys
	KNOWN_HOSTS=$TESTBED_DIR/known_hosts
	# ssh as root to a host, independent of the caller's ~/.ssh; an array so `timeout` can run it.
	SSH_ROOT=(ssh -F /dev/null -i "$KEYS/id_ed25519" -o IdentitiesOnly=yes -o BatchMode=yes
		-o UserKnownHostsFile="$KNOWN_HOSTS" -o GlobalKnownHostsFile=/dev/null
		-o StrictHostKeyChecking=yes -o ConnectTimeout=5 -l root)
}

# Serialises up/down/rootfs of one TESTBED_DIR. Fd 9 must not leak into the long-lived
# systemd-nspawn processes (they would hold the lock forever): see up_host.
take_lock() {
	exec 9>"$TESTBED_DIR/.lock"
	flock -w 600 9 || die "another testbed.sh holds $TESTBED_DIR/.lock"
}

# --- deps --------------------------------------------------------------------------------------

cmd_deps() {
	local pkg missing=()
	for pkg in debootstrap systemd-container openssh-client openssh-server iproute2 libssh2-1-dev pkg-config python3-pip python3-jsonschema python3-prometheus-client prometheus shellcheck; do
		[[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) == "install ok installed" ]] || missing+=("$pkg")
	done
	((${#missing[@]} > 0)) || return 0
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# --- preflight ---------------------------------------------------------------------------------

# Free space in MiB of the file system that holds PATH (or its nearest existing parent).
free_mib() {
	local path=$1
	until [[ -e $path ]]; do path=$(dirname "$path"); done
	df -Pm "$path" | awk 'NR == 2 { print $4 }'
}

# What `up` needs of this machine and cannot install itself, each checked in milliseconds, so that
# `make test` and `make demo` stop at once, with what to do, instead of after the build and a boot.
cmd_preflight() {
	local problems=() need have addr
	# Each host gets cgroups of its own in every systemd-relevant hierarchy (see host_cgroups).
	local cgroup cgroups=0
	while read -r cgroup; do
		cgroup=$(dirname "$cgroup")
		cgroups=$((cgroups + 1))
		[[ -w $cgroup/cgroup.procs ]] ||
			problems+=("$cgroup is not writable: the hosts' cgroups cannot be made there (run as root, outside a read-only container)")
	done < <(host_cgroups preflight)
	((cgroups > 0)) ||
		problems+=("no cgroup2 and no name=systemd cgroup hierarchy is mounted: systemd-nspawn needs one (mount -t cgroup2 none /sys/fs/cgroup)")
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
		problems+=("the kernel has no overlay file system: the hosts' roots are overlay mounts (modprobe overlay)")
	# The cached tree and the ClickHouse layer take about 1.2 GiB once; each host's own files a little.
	need=512
	[[ -d $ROOTFS_TREE && -d $CLICKHOUSE_LAYER ]] || need=2048
	have=$(free_mib "$TESTBED_CACHE")
	((have >= need)) ||
		problems+=("$TESTBED_CACHE: $have MiB free, the testbed needs $need MiB (set TESTBED_CACHE to a roomier disk)")
	# 10.77.N.0/24 must be the testbed's alone; while it is up its own ve-HOST interfaces hold them.
	while read -r addr; do
		problems+=("$addr is already on this machine and is not the testbed's: the hosts use 10.77.1-3.0/24 and the fleet 10.77.21-60.0/24")
	done < <(ip -o -4 addr show 2>/dev/null |
		awk '$2 !~ /^ve-/ && $4 ~ /^10\.77\.([123]|2[1-9]|[345][0-9]|60)\./ { print $4 " (" $2 ")" }')
	if ((${#problems[@]} > 0)); then
		for addr in "${problems[@]}"; do log "preflight: $addr"; done
		die "the testbed cannot start on this machine (${#problems[@]} problem(s) above)"
	fi
	log "preflight: ok ($cgroups cgroup hierarchies, overlayfs, $have MiB free for $TESTBED_CACHE, subnets 10.77.1-3.0/24 and 21-60.0/24 free)"
}

# --- rootfs ------------------------------------------------------------------------------------

# Prints the first URI of a Debian archive with the "main" component that apt on this machine
# uses, in apt's own reading order (sources.list, then sources.list.d/ alphabetically), so that
# no mirror host name lives in the repository. Third-party repositories also call their
# component "main"; requiring a Debian suite name tells them apart.
apt_mirror() {
	local suites='^(bookworm|trixie|forky|sid|bullseye|stable|testing|unstable|oldstable)$'
	local file uri
	for file in /etc/apt/sources.list /etc/apt/sources.list.d/*; do
		[[ -f $file ]] || continue
		case $file in
		*.list)
			# deb [options] URI SUITE COMPONENT...
			uri=$(awk -v suites="$suites" '
				$1 == "deb" {
					i = 2
					if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
					if ($(i + 1) !~ suites) next
					for (c = i + 2; c <= NF; c++) if ($c == "main") { print $i; exit }
				}' "$file")
			;;
		*.sources)
			# deb822 stanzas separated by blank lines: Types/URIs/Suites/Components/Enabled.
			uri=$(awk -v suites="$suites" '
				function flush(   n, s, k, ok) {
					if (types ~ /(^| )deb( |$)/ && comps ~ /(^| )main( |$)/ && enabled != "no") {
						n = split(suitelist, s, " ")
						for (k = 1; k <= n; k++) if (s[k] ~ suites) ok = 1
						# (exit runs END, which must not flush again)
						if (ok) { split(uris, u, " "); print u[1]; found = 1; exit }
					}
					types = uris = suitelist = comps = enabled = ""
				}
				/^[ \t]*#/ { next }
				/^[ \t]*$/ { flush(); next }
				{
					key = tolower($1); sub(/:.*/, "", key)
					val = $0; sub(/^[^:]*:[ \t]*/, "", val); gsub(/\t/, " ", val)
					if (key == "types") types = val
					else if (key == "uris") uris = val
					else if (key == "suites") suitelist = val
					else if (key == "components") comps = val
					else if (key == "enabled") enabled = tolower(val)
				}
				END { if (!found) flush() }' "$file")
			;;
		*) continue ;;
		esac
		if [[ -n $uri ]]; then
			echo "$uri"
			return
		fi
	done
}

cmd_rootfs() {
	[[ -f $ROOTFS_TAR ]] && return 0
	local mirror start
	mirror=$(apt_mirror)
	[[ -n $mirror ]] || die "no Debian archive with component 'main' found in /etc/apt/sources.list{,.d/}"
	start=$(now)
	# Built next to the cache (same file system) so that the final mv is atomic.
	BUILD_TMP=$(mktemp -d "$TESTBED_CACHE/.rootfs-build.XXXXXX")
	log "building $ROOTFS_TAR from $mirror (debootstrap, about a minute)"
	if ! debootstrap --variant=minbase --include="$ROOTFS_PACKAGES" bookworm "$BUILD_TMP/root" "$mirror" \
		>"$BUILD_TMP/debootstrap.log" 2>&1; then
		tail -n 30 "$BUILD_TMP/debootstrap.log" >&2
		die "debootstrap failed"
	fi
	# The hosts have no route to any package mirror, so the downloaded packages are dead weight.
	rm -rf "$BUILD_TMP/root/var/cache/apt/archives/"*.deb "$BUILD_TMP/root/var/lib/apt/lists/"*_Packages
	tar -C "$BUILD_TMP/root" --numeric-owner --xattrs --xattrs-include='*' -cf "$BUILD_TMP/rootfs.tar" .
	mv "$BUILD_TMP/rootfs.tar" "$ROOTFS_TAR"
	rm -rf --one-file-system "$BUILD_TMP"
	BUILD_TMP=
	log "rootfs built in $(($(now) - start)) s: $ROOTFS_TAR ($(du -h "$ROOTFS_TAR" | cut -f1))"
}

# Unpacks the tarball once into ROOTFS_TREE. Nothing may write to that tree afterwards: overlayfs
# forbids changing a lower layer under a mounted overlay.
ensure_rootfs_tree() {
	[[ -d $ROOTFS_TREE ]] && return 0
	BUILD_TMP=$(mktemp -d "$TESTBED_CACHE/.rootfs-tree.XXXXXX")
	tar -C "$BUILD_TMP" --numeric-owner --xattrs --xattrs-include='*' -xpf "$ROOTFS_TAR"
	chmod 755 "$BUILD_TMP" # mktemp made it 700; it becomes the hosts' "/"
	# -T: if a concurrent run (another TESTBED_DIR sharing the cache) won, do not nest into its tree.
	mv -T "$BUILD_TMP" "$ROOTFS_TREE" 2>/dev/null || rm -rf --one-file-system "$BUILD_TMP"
	BUILD_TMP=
}

# --- the ClickHouse layer ----------------------------------------------------------------------

# The chdb-core wheel (181 MB, abi3: Debian 12's Python 3.11 takes it), downloaded once. Its
# dependencies (pandas, pyarrow) are only for DataFrame results, so they are left out.
ensure_chdb_wheel() {
	CHDB_WHEEL=$(compgen -G "$WHEELS/chdb_core-$CHDB_VERSION-*.whl" | head -n 1) && return 0
	log "downloading chdb-core $CHDB_VERSION from PyPI"
	mkdir -p "$WHEELS"
	/usr/bin/python3 -m pip download --quiet --no-deps --dest "$WHEELS" "chdb-core==$CHDB_VERSION" ||
		die "pip download chdb-core==$CHDB_VERSION failed"
	CHDB_WHEEL=$(compgen -G "$WHEELS/chdb_core-$CHDB_VERSION-*.whl" | head -n 1) ||
		die "pip download left no chdb_core-$CHDB_VERSION wheel in $WHEELS"
}

# Builds CLICKHOUSE_LAYER: the changes that installing ClickHouse makes to ROOTFS_TREE, captured as
# the upper directory of an overlay on it and then used, read-only, as a lower layer of every host.
# A layer is never changed once built; a new recipe or new files make a new name, and layers no
# mounted overlay uses any more are removed.
build_clickhouse_layer() {
	if [[ -d $CLICKHOUSE_LAYER ]]; then
		prune_clickhouse_layers
		return 0
	fi
	ensure_chdb_wheel
	local start root uid gid layer
	start=$(now)
	log "building $CLICKHOUSE_LAYER (a venv with chDB, once)"
	BUILD_TMP=$(mktemp -d "$TESTBED_CACHE/.chdb-build.XXXXXX")
	root=$BUILD_TMP/root
	mkdir -p "$BUILD_TMP/layer" "$BUILD_TMP/work" "$root"
	mount -t overlay testbed-chdb-build -o \
		"lowerdir=$ROOTFS_TREE,upperdir=$BUILD_TMP/layer,workdir=$BUILD_TMP/work" "$root"
	# The wheel reaches the chroot through a read-only bind mount, so no copy of it lands in the layer.
	mount --bind -o ro "$WHEELS" "$root/mnt"
	chroot "$root" /usr/bin/python3 -m venv /opt/ch
	chroot "$root" /opt/ch/bin/pip install --quiet --no-index --no-deps --no-cache-dir \
		"/mnt/$(basename "$CHDB_WHEEL")" || die "installing $CHDB_WHEEL into /opt/ch failed"
	# Loading the engine checks the venv, and gives the version that testbed.json reports. (On
	# stderr chDB complains that the chroot has no /proc and /sys to read cgroup limits from.)
	if ! chroot "$root" /opt/ch/bin/python3 -c 'import chdb; print(chdb.engine_version)' \
		>"$root/opt/ch/clickhouse-version" 2>"$BUILD_TMP/check.log"; then
		cat "$BUILD_TMP/check.log" >&2
		die "chDB does not load in $CLICKHOUSE_LAYER"
	fi
	umount "$root/mnt"

	useradd --root "$root" --system --user-group --home-dir /var/lib/clickhouse --no-create-home \
		--shell /usr/sbin/nologin clickhouse
	read -r uid gid < <(awk -F: '$1 == "clickhouse" { print $3, $4 }' "$root/etc/passwd")
	install -d -m 750 -o "$uid" -g "$gid" "$root/var/lib/clickhouse"
	install -d -m 755 "$root/etc/clickhouse-server" "$root/etc/clickhouse-server/users.d"
	install -m 644 "$REPO_ROOT/testbed/clickhouse/chdb_http.py" "$root/opt/ch/chdb_http.py"
	install -m 644 "$REPO_ROOT/testbed/clickhouse/clickhouse-server.service" "$root/lib/systemd/system/"
	systemctl --root="$root" --quiet enable clickhouse-server.service
	umount "$root"

	layer=$BUILD_TMP/layer
	chmod 755 "$layer"
	# -T: if a concurrent run (another TESTBED_DIR sharing the cache) won, keep its layer.
	mv -T "$layer" "$CLICKHOUSE_LAYER" 2>/dev/null || true
	rm -rf --one-file-system "$BUILD_TMP"
	BUILD_TMP=
	log "ClickHouse layer built in $(($(now) - start)) s ($(du -sh "$CLICKHOUSE_LAYER" | cut -f1))"
	prune_clickhouse_layers
}

# Removes ClickHouse layers of other recipes or files, unless a mounted overlay still uses one.
prune_clickhouse_layers() {
	local dir
	for dir in "$TESTBED_CACHE"/chdb-*; do
		[[ -d $dir && $dir != "$CLICKHOUSE_LAYER" ]] || continue
		grep -qF "$dir" /proc/self/mountinfo && continue
		log "removing the old ClickHouse layer $dir"
		rm -rf --one-file-system "$dir"
	done
}

# Passwords of the hosts' ClickHouse users, made once: 24 URL-safe characters, no trailing newline.
ensure_clickhouse_secrets() {
	local role
	mkdir -p "$SECRETS"
	chmod 700 "$SECRETS"
	for role in admin writer reader; do
		[[ -f $SECRETS/clickhouse-$role ]] && continue
		(umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' '-_' | tr -d '\n' >"$SECRETS/clickhouse-$role.tmp")
		mv "$SECRETS/clickhouse-$role.tmp" "$SECRETS/clickhouse-$role"
	done
}

# users.xml as a real server reads it: passwords as SHA-256, grants as GRANT queries, and no
# `default` user (so a request without credentials fails as on a hardened server).
write_users_xml() {
	local file=$1 admin writer reader
	admin=$(sha256sum <"$SECRETS/clickhouse-admin" | cut -d' ' -f1)
	writer=$(sha256sum <"$SECRETS/clickhouse-writer" | cut -d' ' -f1)
	reader=$(sha256sum <"$SECRETS/clickhouse-reader" | cut -d' ' -f1)
	cat >"$file" <<-EOF
		<!-- Written by deployctl's testbed/testbed.sh; passwords in .testbed/secrets/ on the machine. -->
		<clickhouse>
		    <profiles>
		        <default/>
		        <readonly>
		            <readonly>1</readonly>
		        </readonly>
		    </profiles>
		    <users>
		        <admin>
		            <password_sha256_hex>$admin</password_sha256_hex>
		            <profile>default</profile>
		            <access_management>1</access_management>
		            <grants><query>GRANT ALL ON *.*</query></grants>
		        </admin>
		        <etl_writer>
		            <password_sha256_hex>$writer</password_sha256_hex>
		            <profile>default</profile>
		            <grants><query>GRANT INSERT, SELECT ON zakaz.*</query></grants>
		        </etl_writer>
		        <datalens_reader>
		            <password_sha256_hex>$reader</password_sha256_hex>
		            <profile>readonly</profile>
		            <grants><query>GRANT SELECT ON zakaz.*</query></grants>
		        </datalens_reader>
		    </users>
		</clickhouse>
	EOF
}

# --- keys --------------------------------------------------------------------------------------

# ssh-keygen into a temporary name, then rename, so an interrupted run never leaves half a key.
# Usage: new_key PATH PASSPHRASE COMMENT SSH-KEYGEN-ARGS...
new_key() {
	local path=$1 passphrase=$2 comment=$3
	shift 3
	[[ -f $path ]] && return 0
	rm -f "$path.tmp" "$path.tmp.pub"
	ssh-keygen -q "$@" -N "$passphrase" -C "$comment" -f "$path.tmp"
	mv "$path.tmp.pub" "$path.pub"
	mv "$path.tmp" "$path"
	chmod 600 "$path"
}

# Client keys, made once. id_rsa is authorised on the hosts on purpose: libssh2 1.10 signs with
# ssh-rsa (SHA-1) only, which OpenSSH 9.2 refuses, and a test checks that failure.
# id_ed25519_wrong is authorised nowhere.
ensure_client_keys() {
	mkdir -p "$KEYS"
	chmod 700 "$KEYS"
	if [[ ! -f $KEYS/passphrase ]]; then
		# 24 URL-safe characters, no trailing newline.
		(umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' '-_' | tr -d '\n' >"$KEYS/passphrase.tmp")
		mv "$KEYS/passphrase.tmp" "$KEYS/passphrase"
	fi
	new_key "$KEYS/id_ed25519" "" deployctl-testbed-ed25519 -t ed25519
	new_key "$KEYS/id_ecdsa" "" deployctl-testbed-ecdsa -t ecdsa -b 256
	new_key "$KEYS/id_ed25519_encrypted" "$(<"$KEYS/passphrase")" deployctl-testbed-ed25519-encrypted -t ed25519
	new_key "$KEYS/id_rsa" "" deployctl-testbed-rsa -t rsa -b 3072
	new_key "$KEYS/id_ed25519_wrong" "" deployctl-testbed-wrong -t ed25519
	# Release signing: the key the environments trust, and one they do not.
	new_key "$KEYS/release_ed25519" "" deployctl-testbed-release -t ed25519
	new_key "$KEYS/release_untrusted_ed25519" "" deployctl-testbed-untrusted-release -t ed25519
}

# Host keys live outside the host roots so that they survive the fresh root of every `up`,
# and known_hosts is written from them without scanning.
ensure_host_keys() {
	local name=$1 dir=$TESTBED_DIR/hostkeys/$1 type
	mkdir -p "$dir"
	for type in ed25519 ecdsa rsa; do
		new_key "$dir/ssh_host_${type}_key" "" "root@$name" -t "$type"
	done
}

# The fixed hosts, then the fleet hosts that have ever been up (their keys are kept).
known_host_names() {
	local dir
	printf '%s\n' "${ALL_HOSTS[@]}"
	for dir in "$TESTBED_DIR"/hostkeys/fleet[0-9][0-9]; do
		[[ -d $dir ]] && basename "$dir"
	done
	return 0
}

write_known_hosts() {
	local name type keytype key
	for name in $(known_host_names); do
		for type in ed25519 ecdsa rsa; do
			read -r keytype key _ <"$TESTBED_DIR/hostkeys/$name/ssh_host_${type}_key.pub"
			printf '%s %s %s\n' "$(host_addr "$name")" "$keytype" "$key"
		done
	done >"$KNOWN_HOSTS.tmp"
	mv "$KNOWN_HOSTS.tmp" "$KNOWN_HOSTS"
}

# --- host root configuration -------------------------------------------------------------------

# Writes the per-host configuration into ROOT from outside, before the first boot.
configure_root() {
	local name=$1 root=$2 addr uid gid home
	addr=$(host_addr "$name")

	echo "$name" >"$root/etc/hostname"
	printf '127.0.0.1\tlocalhost\n%s\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
		"$addr" "$name" >"$root/etc/hosts"
	# A fresh identity per host; D-Bus reads its own copy, debootstrap left one behind.
	tr -d '-' </proc/sys/kernel/random/uuid >"$root/etc/machine-id"
	ln -sfn /etc/machine-id "$root/var/lib/dbus/machine-id"

	# Static address on host0. The 10- prefix sorts before the shipped 80-container-host0.network,
	# which would otherwise win and leave only a 169.254 link-local address.
	cat >"$root/etc/systemd/network/10-host0.network" <<-EOF
		[Match]
		Name=host0

		[Network]
		Address=$addr/24
		LinkLocalAddressing=no
		IPv6AcceptRA=no
	EOF
	systemctl --root="$root" --quiet enable systemd-networkd.service ssh.service
	# Nothing fails at boot in these containers (no unit needs masking for `running`), but the
	# apt timers would fire hours into a long run, fail without a route to any mirror and turn
	# the host "degraded" under a test's feet.
	systemctl --root="$root" --quiet mask apt-daily.timer apt-daily-upgrade.timer
	# pam_env reads it on every SSH session (and logs a warning when it is missing).
	echo 'LANG=C.UTF-8' >"$root/etc/default/locale"

	# The default Subsystem (sftp-server as its own process) stays: tests kill it mid-upload.
	cat >"$root/etc/ssh/sshd_config.d/10-testbed.conf" <<-'EOF'
		# Written by deployctl's testbed/testbed.sh.
		PermitRootLogin prohibit-password
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PubkeyAuthentication yes
		AllowTcpForwarding yes
		UseDNS no
		MaxSessions 64
		MaxStartups 64:30:128
	EOF
	rm -f "$root"/etc/ssh/ssh_host_*
	cp -p "$TESTBED_DIR/hostkeys/$name"/ssh_host_* "$root/etc/ssh/"

	# etl: the application user of the deployment, with passwordless sudo. Password "*" (none,
	# but not locked) so that nothing ever treats the account as disabled.
	useradd --root "$root" --create-home --home-dir /home/etl --shell /bin/bash --user-group \
		--password '*' etl
	read -r uid gid < <(awk -F: '$1 == "etl" { print $3, $4 }' "$root/etc/passwd")
	install -d -m 755 -o "$uid" -g "$gid" "$root/opt/zakaz_dashboard"
	echo 'etl ALL=(ALL:ALL) NOPASSWD: ALL' >"$root/etc/sudoers.d/etl"
	chmod 440 "$root/etc/sudoers.d/etl"

	for home in root home/etl; do
		install -d -m 700 "$root/$home/.ssh"
		cat "$KEYS"/{id_ed25519,id_ecdsa,id_ed25519_encrypted,id_rsa}.pub >"$root/$home/.ssh/authorized_keys"
		chmod 600 "$root/$home/.ssh/authorized_keys"
	done
	chown -R "$uid:$gid" "$root/home/etl/.ssh"

	if is_fleet_host "$name"; then
		configure_fleet_root "$name" "$root"
		return
	fi
	# Readable by the server's user only, as the package installs it.
	write_users_xml "$root/etc/clickhouse-server/users.xml"
	chgrp "$(awk -F: '$1 == "clickhouse" { print $3 }' "$root/etc/group")" "$root/etc/clickhouse-server/users.xml"
	chmod 640 "$root/etc/clickhouse-server/users.xml"

	# Every host has podman (its units run at boot); the container hosts' ClickHouse runs in it.
	configure_podman "$root"
	if is_container_host "$name"; then
		systemctl --root="$root" --quiet disable clickhouse-server.service
	fi
}

# A light host: no ClickHouse of its own, and none of the rootfs's units a light host has no use
# for (podman's, the gettys, the scrubbers; twenty hosts booting at once on two cores starve sshd
# for their sake); its 127.0.0.1:8123 is a socket-activated systemd-socket-proxyd to the machine end of its veth,
# where the fleet's ssh -L carries it on to museshow's ClickHouse (see start_fleet_forward).
configure_fleet_root() {
	local name=$1 root=$2
	systemctl --root="$root" --quiet mask podman.service podman.socket podman-restart.service \
		podman-auto-update.service podman-auto-update.timer console-getty.service getty@tty1.service \
		systemd-networkd-wait-online.service e2scrub_reap.service e2scrub_all.timer fstrim.timer dpkg-db-backup.timer
	cat >"$root/etc/systemd/system/clickhouse-proxy.socket" <<-EOF
		# Written by deployctl's testbed/testbed.sh: museshow's ClickHouse on this host's loopback.
		[Socket]
		ListenStream=127.0.0.1:$CLICKHOUSE_HTTP_PORT

		[Install]
		WantedBy=sockets.target
	EOF
	cat >"$root/etc/systemd/system/clickhouse-proxy.service" <<-EOF
		# Written by deployctl's testbed/testbed.sh.
		[Unit]
		Requires=clickhouse-proxy.socket
		After=clickhouse-proxy.socket

		[Service]
		ExecStart=/lib/systemd/systemd-socket-proxyd $(outside_addr "$name"):$CLICKHOUSE_HTTP_PORT
		DynamicUser=yes
	EOF
	systemctl --root="$root" --quiet enable clickhouse-proxy.socket
}

is_container_host() {
	local host
	for host in "${CONTAINER_HOSTS[@]}"; do [[ $host == "$1" ]] && return 0; done
	return 1
}

# podman inside an nspawn host on overlayfs, with a read-only cgroup v1 tree and no
# CAP_SYS_RESOURCE (reference/testbed-facts.md, "Containers"): vfs storage, no keyring, no cgroups,
# ulimits no higher than the host's, crun.
configure_podman() {
	local root=$1
	mkdir -p "$root/etc/containers"
	cat >"$root/etc/containers/storage.conf" <<-'EOF'
		# Written by deployctl's testbed/testbed.sh: overlay over the host's overlayfs root is refused.
		[storage]
		driver = "vfs"
		runroot = "/run/containers/storage"
		graphroot = "/var/lib/containers/storage"
	EOF
	cat >"$root/etc/containers/containers.conf" <<-'EOF'
		# Written by deployctl's testbed/testbed.sh for podman inside a systemd-nspawn host.
		[containers]
		keyring = false
		cgroups = "disabled"
		default_ulimits = ["nofile=10000:10000", "nproc=4096:4096"]

		[engine]
		cgroup_manager = "cgroupfs"
		runtime = "crun"
	EOF
	touch "$root/etc/containers/nodocker"
}

# Imports the image (the rootfs and ClickHouse layers, read through an overlay without an upper
# directory, streamed over SSH into `podman import`) and starts container ch-zakaz on host NAME:
# chdb_http.py as the clickhouse user, its data and users.xml from the host, port 8123 published
# on the host's 127.0.0.1, and a health check that asks /ping.
start_container() {
	local name=$1 addr image
	addr=$(host_addr "$name")
	image=$(mktemp -d "$TESTBED_CACHE/.image.XXXXXX")
	mount -t overlay "testbed-image-$name" -o "lowerdir=$CLICKHOUSE_LAYER:$ROOTFS_TREE" "$image"
	if ! tar -C "$image" --numeric-owner -cf - --exclude=./usr/share/doc --exclude=./usr/share/man --exclude=./usr/share/locale . |
		timeout 300 "${SSH_ROOT[@]}" "$addr" podman import --quiet - "$CONTAINER_IMAGE" >/dev/null; then
		umount "$image"
		rmdir "$image"
		host_failed "$name" "podman import of the ClickHouse image failed" || return
	fi
	umount "$image"
	rmdir "$image"
	local ping="import urllib.request; urllib.request.urlopen('http://127.0.0.1:$CLICKHOUSE_HTTP_PORT/ping', timeout=2)"
	timeout 60 "${SSH_ROOT[@]}" "$addr" docker run --detach --name "$CONTAINER" --user clickhouse --workdir /var/lib/clickhouse \
		--env PYTHONUNBUFFERED=1 --publish "127.0.0.1:$CLICKHOUSE_HTTP_PORT:$CLICKHOUSE_HTTP_PORT" \
		--volume /var/lib/clickhouse:/var/lib/clickhouse --volume /etc/clickhouse-server:/etc/clickhouse-server:ro \
		--health-cmd "\"/opt/ch/bin/python3 -c \\\"$ping\\\"\"" --health-interval 2s --health-timeout 2s --health-retries 2 \
		"$CONTAINER_IMAGE" /opt/ch/bin/python3 /opt/ch/chdb_http.py --host 0.0.0.0 --port "$CLICKHOUSE_HTTP_PORT" \
		--users /etc/clickhouse-server/users.xml --data /var/lib/clickhouse/data >/dev/null ||
		host_failed "$name" "docker run $CONTAINER failed" || return
	log "$name: container $CONTAINER started from $CONTAINER_IMAGE"
}

# --- processes ---------------------------------------------------------------------------------

# True if PID is the live (not zombie) systemd-nspawn that boots ROOT: guards against PID reuse.
is_host_process() {
	local pid=$1 root=$2 stat
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	[[ $stat == *"(systemd-nspawn) "[!Z]* ]] || return 1
	tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$root"
}

recorded_pid() {
	local file=$TESTBED_DIR/run/$1.pid
	[[ -f $file ]] && cat "$file"
}

host_running() {
	local pid
	pid=$(recorded_pid "$1") && is_host_process "$pid" "$TESTBED_DIR/hosts/$1/root"
}

# A host's own cgroup, in each hierarchy that systemd-nspawn and the container's systemd use:
# the unified (v2) one and, on hybrid machines like this one, the v1 "name=systemd" one.
# Without it every nspawn started here (no systemd, --keep-unit) lands in the same root cgroup and
# makes its "payload"/"supervisor" groups there, so the containers' systemds share one
# /payload/system.slice: units of one host fail at start with 219/CGROUP when another host
# removes their shared cgroup, and a unit stopped on one host would wait for another's processes.
host_cgroups() {
	{
		findmnt -rn -t cgroup2 -o TARGET
		findmnt -rn -t cgroup -o TARGET,OPTIONS | awk '$2 ~ /(^|,)name=systemd(,|$)/ { print $1 }'
	} | sed "s|\$|/deployctl-testbed-$1|"
}

# Frees what a stopped host leaves on the machine: processes still in its cgroup, the cgroup,
# the overlay mount (lazily if something on the machine still holds it, a shell inside it say)
# and the host's upper layer. After a clean shutdown the cgroup is empty; but when systemd-nspawn
# itself is killed (SIGKILL, a crash), the container's systemd and services live on without it.
release_host() {
	local hdir=$TESTBED_DIR/hosts/$1 cgroup pids
	while read -r cgroup; do
		[[ -d $cgroup ]] || continue
		pids=$(find "$cgroup" -name cgroup.procs -exec cat {} +)
		if [[ -n $pids ]]; then
			log "$1: killing processes left in $cgroup: ${pids//$'\n'/ }"
			# shellcheck disable=SC2086 # one PID per word
			kill -KILL $pids 2>/dev/null || true
			for _ in {1..50}; do
				[[ -z $(find "$cgroup" -name cgroup.procs -exec cat {} +) ]] && break
				sleep 0.1
			done
		fi
		# Innermost first: rmdir of a cgroup fails while it has children or processes.
		find "$cgroup" -depth -type d -exec rmdir {} + || die "$1: cannot remove $cgroup"
	done < <(host_cgroups "$1")
	if mountpoint -q "$hdir/root"; then
		umount "$hdir/root" 2>/dev/null || {
			log "$1: $hdir/root is busy, detaching it lazily"
			umount --lazy "$hdir/root"
		}
	fi
	rm -rf --one-file-system "$hdir/upper" "$hdir/work"
}

# --- up ----------------------------------------------------------------------------------------

# Fails with the end of the host's console log.
host_failed() {
	local name=$1
	shift
	log "$name: $*; end of $TESTBED_DIR/hosts/$name/console.log:"
	tail -n 40 "$TESTBED_DIR/hosts/$name/console.log" >&2 || true
	return 1
}

# Mounts a fresh root for one host, configures and boots it, then waits until it is ready.
# Runs in a subshell per host so that all hosts boot in parallel.
up_host() {
	local name=$1 hdir=$TESTBED_DIR/hosts/$1 addr pid deadline state cgroup booted=0
	local root=$hdir/root veth=ve-$1
	addr=$(host_addr "$name")

	if host_running "$name"; then
		pid=$(recorded_pid "$name")
		log "$name: already running (pid $pid)"
	else
		booted=1
		rm -f "$TESTBED_DIR/run/$name.pid"
		release_host "$name"
		mkdir -p "$hdir/upper" "$hdir/work" "$root"
		local lower=$CLICKHOUSE_LAYER:$ROOTFS_TREE
		if is_fleet_host "$name"; then lower=$ROOTFS_TREE; fi
		mount -t overlay "testbed-$name" -o "lowerdir=$lower,upperdir=$hdir/upper,workdir=$hdir/work" "$root"
		configure_root "$name" "$root"

		# The subshell moves itself into the host's cgroups (see host_cgroups), then becomes
		# setsid, which becomes systemd-nspawn: setsid so that the container does not share our
		# session or die with our terminal. In a non-interactive shell that child is no process
		# group leader, so setsid execs in place and $! ends up the PID of systemd-nspawn itself.
		(
			while read -r cgroup; do
				mkdir -p "$cgroup"
				echo "$BASHPID" >"$cgroup/cgroup.procs"
			done < <(host_cgroups "$name")
			# SYSTEMD_COLORS=0 (read by the container's systemd only) keeps console.log plain text.
			exec setsid systemd-nspawn --register=no --keep-unit -D "$root" -b -M "$name" --network-veth \
				--setenv=SYSTEMD_COLORS=0
		) </dev/null >"$hdir/console.log" 2>&1 9>&- &
		pid=$!
		# Until that chain of execs has reached systemd-nspawn (milliseconds).
		for _ in {1..50}; do
			case $(cat "/proc/$pid/comm" 2>/dev/null || echo gone) in systemd-nspawn | gone) break ;; esac
			sleep 0.1
		done
		echo "$pid" >"$TESTBED_DIR/run/$name.pid.tmp"
		mv "$TESTBED_DIR/run/$name.pid.tmp" "$TESTBED_DIR/run/$name.pid"
		log "$name: booting (pid $pid)"
	fi
	deadline=$(($(now) + BOOT_TIMEOUT))

	# The machine end of the veth pair appears once nspawn has set up the container.
	until ip link show dev "$veth" >/dev/null 2>&1; do
		is_host_process "$pid" "$root" || host_failed "$name" "systemd-nspawn exited" || return
		(($(now) < deadline)) || host_failed "$name" "no interface $veth after ${BOOT_TIMEOUT}s" || return
		sleep 0.1
	done
	ip addr replace "$(outside_addr "$name")/24" dev "$veth"
	ip link set "$veth" up

	until timeout 1 bash -c ">/dev/tcp/$addr/22" 2>/dev/null; do
		is_host_process "$pid" "$root" || host_failed "$name" "systemd-nspawn exited" || return
		(($(now) < deadline)) || host_failed "$name" "$addr:22 not answering after ${BOOT_TIMEOUT}s" || return
		sleep 0.2
	done
	# sshd may accept connections a moment before it can serve them: retry until an answer.
	state=
	while [[ -z $state ]] && (($(now) < deadline)); do
		state=$(timeout "$((deadline - $(now)))" "${SSH_ROOT[@]}" "$addr" systemctl is-system-running --wait) || true
		[[ -n $state ]] || sleep 0.5
	done
	case $state in
	running) log "$name: running at $addr" ;;
	degraded)
		log "$name: degraded at $addr; failed units:"
		timeout 10 "${SSH_ROOT[@]}" "$addr" systemctl --failed --no-legend >&2 || true
		;;
	*) host_failed "$name" "not running (is-system-running: ${state:-timed out})" || return ;;
	esac
	is_fleet_host "$name" && return
	# A host that was already running has its container.
	if is_container_host "$name" && ((booted == 1)); then
		start_container "$name" || return
		deadline=$(($(now) + BOOT_TIMEOUT))
	fi
	wait_clickhouse "$name" "$deadline" || return
	if is_container_host "$name"; then
		wait_healthy "$name" "$deadline"
	fi
}

# Waits until the container's health check says healthy. Its first runs, while the server still
# starts, fail, and each failed run leaves a failed transient unit that turns the host "degraded":
# those are cleared once it is healthy.
wait_healthy() {
	local name=$1 deadline=$2 addr
	addr=$(host_addr "$name")
	until [[ $(timeout 10 "${SSH_ROOT[@]}" "$addr" docker inspect -f '{{.State.Health.Status}}' "$CONTAINER") == healthy ]]; do
		(($(now) < deadline)) || host_failed "$name" "container $CONTAINER not healthy after ${BOOT_TIMEOUT}s" || return
		sleep 0.5
	done
	timeout 10 "${SSH_ROOT[@]}" "$addr" systemctl reset-failed
	log "$name: container $CONTAINER healthy"
}

# Waits until the host's ClickHouse answers GET /ping on the host's own 127.0.0.1, asked from
# inside the host as a local client would. The unit is Type=notify, so on a booted host this is at
# once; a unit that keeps failing is reported with its journal instead of waiting out the deadline.
wait_clickhouse() {
	local name=$1 deadline=$2 addr answer
	addr=$(host_addr "$name")
	local ping="import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$CLICKHOUSE_HTTP_PORT/ping', timeout=5).read().decode().strip())"
	until answer=$(timeout 10 "${SSH_ROOT[@]}" "$addr" python3 -c "\"$ping\"" 2>/dev/null) && [[ $answer == Ok. ]]; do
		if is_container_host "$name" && [[ $(timeout 10 "${SSH_ROOT[@]}" "$addr" docker inspect -f '{{.State.Status}}' "$CONTAINER") != running ]]; then
			log "$name: container $CONTAINER stopped; its log:"
			timeout 10 "${SSH_ROOT[@]}" "$addr" docker logs --tail 30 "$CONTAINER" >&2 || true
			return 1
		fi
		if ! is_container_host "$name" && timeout 10 "${SSH_ROOT[@]}" "$addr" systemctl is-failed --quiet clickhouse-server.service; then
			log "$name: clickhouse-server.service failed; its journal:"
			timeout 10 "${SSH_ROOT[@]}" "$addr" journalctl -u clickhouse-server.service -n 30 --no-pager >&2 || true
			return 1
		fi
		(($(now) < deadline)) || host_failed "$name" "ClickHouse not answering /ping after ${BOOT_TIMEOUT}s" || return
		sleep 0.5
	done
	log "$name: ClickHouse $(<"$CLICKHOUSE_LAYER/opt/ch/clickhouse-version") answers /ping on its 127.0.0.1:$CLICKHOUSE_HTTP_PORT"
}

# Every host's systemd (path units, journald, logind, udev's absence notwithstanding) takes about
# six inotify instances, all of root, the containers' root being the machine's: Debian's default
# limit of 128 per user fails path units with "Too many open files" and stalls boots from about
# twenty hosts. Raised, until the machine reboots, to 16 per host above the default.
raise_inotify_instances() {
	local want=$((128 + 16 * $1)) have
	have=$(sysctl -n fs.inotify.max_user_instances)
	((have >= want)) && return
	sysctl -q -w fs.inotify.max_user_instances="$want"
	log "fs.inotify.max_user_instances raised from $have to $want for $1 hosts (until reboot)"
}

# --- the fleet's ClickHouse --------------------------------------------------------------------

# True if PID is the fleet's forwarding ssh (guards against PID reuse).
is_fleet_forward() {
	local pid=$1
	[[ $pid =~ ^[0-9]+$ && $(cat "/proc/$pid/comm" 2>/dev/null) == ssh ]] &&
		tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF "SetEnv=TESTBED=testbed-fleet-forward"
}

# One ssh to museshow that listens on the machine end of every running fleet host's veth, port
# 8123, and carries what arrives to museshow's own 127.0.0.1:8123; restarted by every up --fleet, as
# the set of hosts may have grown. Stopped by PID (run/fleet-forward.pid) by down.
start_fleet_forward() {
	local name forwards=() pid file=$TESTBED_DIR/run/fleet-forward.pid
	stop_fleet_forward
	for name in $(known_host_names); do
		if ! is_fleet_host "$name" || ! host_running "$name"; then continue; fi
		forwards+=(-L "$(outside_addr "$name"):$CLICKHOUSE_HTTP_PORT:127.0.0.1:$CLICKHOUSE_HTTP_PORT")
	done
	# The -o SetEnv marker only makes the process recognisable in /proc (is_fleet_forward).
	setsid "${SSH_ROOT[@]}" -N -o ExitOnForwardFailure=yes -o ServerAliveInterval=10 \
		-o SetEnv=TESTBED=testbed-fleet-forward "${forwards[@]}" "$(host_addr museshow)" \
		</dev/null >"$TESTBED_DIR/fleet-forward.log" 2>&1 9>&- &
	pid=$!
	echo "$pid" >"$file"
	# Ready once the last listener answers, or failed when ssh exits.
	local deadline=$(($(now) + 10))
	until timeout 1 bash -c ">/dev/tcp/${forwards[-1]%%:*}/$CLICKHOUSE_HTTP_PORT" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || die "the fleet's forward to museshow's ClickHouse exited: $(<"$TESTBED_DIR/fleet-forward.log")"
		(($(now) < deadline)) || die "the fleet's forward to museshow's ClickHouse is not listening after 10 s"
		sleep 0.1
	done
	log "fleet: $((${#forwards[@]} / 2)) hosts' 127.0.0.1:$CLICKHOUSE_HTTP_PORT reach museshow's ClickHouse (ssh -L, pid $pid)"
}

stop_fleet_forward() {
	local file=$TESTBED_DIR/run/fleet-forward.pid pid
	[[ -f $file ]] || return 0
	pid=$(<"$file")
	if is_fleet_forward "$pid"; then
		kill -TERM "$pid"
		for _ in {1..50}; do
			is_fleet_forward "$pid" || break
			sleep 0.1
		done
	fi
	rm -f "$file"
}

# --- generated files ---------------------------------------------------------------------------

# A JSON or TOML basic string.
quote() {
	local s=${1//\\/\\\\}
	printf '"%s"' "${s//\"/\\\"}"
}

# Usage: write_environment FILE WHAT DESCRIPTION ROLE GATE(yes|no) HOST...
write_environment() {
	local file=$1 what=$2 description=$3 role=$4 gate=$5 name
	shift 5
	{
		printf '# Generated by testbed/testbed.sh: %s.\n' "$what"
		printf 'description = %s\nrole = %s\n\n' "$(quote "$description")" "$(quote "$role")"
		printf '[ssh]\nuser = "root"\nidentity_file = %s\nknown_hosts = %s\nconnect_timeout_seconds = 10\n' \
			"$(quote "$KEYS/id_ed25519")" "$(quote "$KNOWN_HOSTS")"
		for name; do
			printf '\n[[hosts]]\nname = %s\naddress = %s\nport = 22\n' "$(quote "$name")" "$(quote "$(host_addr "$name")")"
		done
		cat <<-'EOF'

			[app]
			root = "/opt/zakaz_dashboard"
			user = "etl"
			env_file = "/opt/zakaz_dashboard/secrets/.env.qtickets_api"
		EOF
		printf 'trusted_release_keys = [%s]\n' "$(quote "$(<"$KEYS/release_ed25519.pub")")"
		if is_container_host "$1"; then
			printf '\n[clickhouse]\nruns_as = "docker"\ncontainer = %s\nhttp_port = %s\ndatabase = "zakaz"\n' \
				"$(quote "$CONTAINER")" "$CLICKHOUSE_HTTP_PORT"
		else
			printf '\n[clickhouse]\nruns_as = "systemd"\nunit = "clickhouse-server.service"\nhttp_port = %s\ndatabase = "zakaz"\n' \
				"$CLICKHOUSE_HTTP_PORT"
		fi
		printf '\n[clickhouse.admin]\nuser = "admin"\npassword = { file = %s }\n' "$(quote "$SECRETS/clickhouse-admin")"
		printf '\n[clickhouse.writer]\nuser = "etl_writer"\npassword = { file = %s }\n' "$(quote "$SECRETS/clickhouse-writer")"
		printf '\n[systemd]\nscope = "system"\n'
		if [[ $gate == yes ]]; then
			printf '\n[gate]\nrequire_passed_on = "museshow"\nmax_report_age_hours = 72\n'
		fi
	} >"$file.tmp"
	mv "$file.tmp" "$file"
}

write_environments() {
	local dir=$TESTBED_DIR/environments
	mkdir -p "$dir"
	write_environment "$dir/museshow.toml" "the testbed host museshow" \
		"Testbed staging host" staging no museshow
	write_environment "$dir/client-prod.toml" "the testbed host client-prod" \
		"Testbed production host" production yes client-prod
	write_environment "$dir/fleet.toml" "all testbed hosts" \
		"Testbed fleet" staging no "${ALL_HOSTS[@]}"
}

# testbed.json lists the hosts that are running now.
write_testbed_json() {
	local name sep='' hosts=''
	for name in $(known_host_names); do
		host_running "$name" || continue
		hosts+=$(printf '%s\n    {"name": %s, "address": %s, "port": 22, "user": "root", "pid": %s}' \
			"$sep" "$(quote "$name")" "$(quote "$(host_addr "$name")")" "$(recorded_pid "$name")")
		sep=,
	done
	cat >"$TESTBED_DIR/testbed.json.tmp" <<-EOF
		{
		  "hosts": [$hosts
		  ],
		  "keys": {
		    "ed25519": $(quote "$KEYS/id_ed25519"),
		    "ecdsa": $(quote "$KEYS/id_ecdsa"),
		    "ed25519_encrypted": $(quote "$KEYS/id_ed25519_encrypted"),
		    "passphrase_file": $(quote "$KEYS/passphrase"),
		    "rsa": $(quote "$KEYS/id_rsa"),
		    "wrong": $(quote "$KEYS/id_ed25519_wrong")
		  },
		  "known_hosts": $(quote "$KNOWN_HOSTS"),
		  "environments": $(quote "$TESTBED_DIR/environments"),
		  "clickhouse": {
		    "http_port": $CLICKHOUSE_HTTP_PORT,
		    "admin_user": "admin",
		    "admin_password_file": $(quote "$SECRETS/clickhouse-admin"),
		    "writer_user": "etl_writer",
		    "writer_password_file": $(quote "$SECRETS/clickhouse-writer"),
		    "reader_user": "datalens_reader",
		    "reader_password_file": $(quote "$SECRETS/clickhouse-reader"),
		    "version": $(quote "$(<"$CLICKHOUSE_LAYER/opt/ch/clickhouse-version")")
		  }
		}
	EOF
	mv "$TESTBED_DIR/testbed.json.tmp" "$TESTBED_DIR/testbed.json"
}

cmd_up() {
	local hosts=() fleet=0 name start workers=() failed=0 worker available i
	while (($# > 0)); do
		case $1 in
		--fleet)
			if [[ ! ${2:-} =~ ^[0-9]+$ ]] || (($2 < 1 || $2 > FLEET_MAX)); then
				die "--fleet takes a number of light hosts from 1 to $FLEET_MAX"
			fi
			fleet=$2
			shift 2
			;;
		*)
			if [[ -z ${HOST_NET[$1]:-} ]] || is_fleet_host "$1"; then
				die "unknown host '$1' (known: ${ALL_HOSTS[*]}; --fleet N for light hosts)"
			fi
			hosts+=("$1")
			shift
			;;
		esac
	done
	((${#hosts[@]} > 0)) || hosts=("${ALL_HOSTS[@]}")
	# The fleet's database is museshow's.
	if ((fleet > 0)) && [[ " ${hosts[*]} " != *" museshow "* ]]; then hosts+=(museshow); fi
	for ((i = 1; i <= fleet; i++)); do
		hosts+=("$(printf 'fleet%02d' "$i")")
	done
	start=$(now)
	cmd_deps
	cmd_rootfs
	ensure_rootfs_tree
	build_clickhouse_layer
	ensure_clickhouse_secrets
	ensure_client_keys
	for name in "${ALL_HOSTS[@]}" "${hosts[@]}"; do
		ensure_host_keys "$name"
	done
	write_known_hosts
	mkdir -p "$TESTBED_DIR/run"
	raise_inotify_instances "${#hosts[@]}"
	available=$(awk '$1 == "MemAvailable:" { print int($2 / 1024) }' /proc/meminfo)
	for name in "${hosts[@]}"; do
		mkdir -p "$TESTBED_DIR/hosts/$name"
		up_host "$name" &
		workers+=($!)
	done
	for worker in "${workers[@]}"; do
		wait "$worker" || failed=1
	done
	((failed == 0)) || die "not every host came up; \`$0 down\` stops those that did"
	if ((fleet > 0)); then
		start_fleet_forward
		log "fleet: $fleet light hosts; the machine's available memory went down by" \
			"$((available - $(awk '$1 == "MemAvailable:" { print int($2 / 1024) }' /proc/meminfo))) MiB during this up"
	fi
	write_environments
	write_testbed_json
	log "up in $(($(now) - start)) s; $TESTBED_DIR/testbed.json"
}

# --- down / status -----------------------------------------------------------------------------

# Stops every host, or with --fleet only the fleet's light hosts and their forward.
cmd_down() {
	local file name pid names=() pids=() i deadline start only_fleet=0
	case ${1:-} in
	--fleet) only_fleet=1 ;;
	'') ;;
	*) usage ;;
	esac
	start=$(now)
	stop_fleet_forward
	for file in "$TESTBED_DIR"/run/*.pid; do
		[[ -f $file ]] || continue
		name=$(basename "$file" .pid)
		((only_fleet == 0)) || is_fleet_host "$name" || continue
		pid=$(<"$file")
		if is_host_process "$pid" "$TESTBED_DIR/hosts/$name/root"; then
			# SIGTERM makes nspawn ask the container's systemd to power off cleanly.
			kill -TERM "$pid"
			names+=("$name")
			pids+=("$pid")
		fi
	done
	deadline=$(($(now) + 20))
	for i in "${!pids[@]}"; do
		while is_host_process "${pids[i]}" "$TESTBED_DIR/hosts/${names[i]}/root" && (($(now) < deadline)); do
			sleep 0.2
		done
		if is_host_process "${pids[i]}" "$TESTBED_DIR/hosts/${names[i]}/root"; then
			# What of the container outlives nspawn is killed by release_host below.
			log "${names[i]}: no clean shutdown in 20 s, killing pid ${pids[i]}"
			kill -KILL "${pids[i]}" 2>/dev/null || true
		fi
	done
	for i in "${!pids[@]}"; do
		for _ in {1..50}; do
			is_host_process "${pids[i]}" "$TESTBED_DIR/hosts/${names[i]}/root" || break
			sleep 0.1
		done
		! is_host_process "${pids[i]}" "$TESTBED_DIR/hosts/${names[i]}/root" ||
			die "${names[i]}: pid ${pids[i]} survived SIGKILL"
		log "${names[i]}: stopped"
	done
	for name in $(known_host_names); do
		((only_fleet == 0)) || is_fleet_host "$name" || continue
		rm -f "$TESTBED_DIR/run/$name.pid"
		release_host "$name"
	done
	if ((only_fleet == 1)) && [[ -f $TESTBED_DIR/testbed.json ]]; then
		write_testbed_json
	else
		rm -f "$TESTBED_DIR/testbed.json"
	fi
	log "down in $(($(now) - start)) s"
}

cmd_status() {
	local name pid state
	for name in $(known_host_names); do
		pid=$(recorded_pid "$name") || pid=-
		state=stopped
		host_running "$name" && state=running
		printf '%-12s %-10s %-8s %s\n' "$name" "$(host_addr "$name")" "$pid" "$state"
	done
}

# Removes what a failed build left in the cache: its mounts first (innermost first), so that rm
# stays on the cache's file system.
cleanup_build() {
	[[ -n $BUILD_TMP ]] || return 0
	local target
	while read -r target; do
		umount --lazy "$target" 2>/dev/null || true
	done < <(findmnt -rn -o TARGET | grep -F "$BUILD_TMP/" | sort -r)
	rm -rf --one-file-system "$BUILD_TMP"
}

# --- main --------------------------------------------------------------------------------------

main() {
	[[ $(id -u) == 0 ]] || die "must run as root (debootstrap, systemd-nspawn and ip need it)"
	local cmd=${1:-}
	shift || true
	BUILD_TMP=
	trap cleanup_build EXIT
	case $cmd in
	deps) cmd_deps ;;
	preflight | rootfs | up | down | status)
		resolve_dirs
		if [[ $cmd != status && $cmd != preflight ]]; then take_lock; fi
		case $cmd in
		preflight) cmd_preflight ;;
		rootfs)
			cmd_deps
			cmd_rootfs
			ensure_rootfs_tree
			build_clickhouse_layer
			;;
		up) cmd_up "$@" ;;
		down) cmd_down "$@" ;;
		status) cmd_status ;;
		esac
		;;
	*) usage ;;
	esac
}

main "$@"
