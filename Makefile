# deployctl's vocabulary: make demo, make test, make bench, make testbed-up, make testbed-down.
# Every target installs what it needs on a fresh Debian 12 machine (run as root).

SWIFT       ?= swift
# Every build takes the dependency versions Package.resolved pins (committed), never whatever
# resolves that day: a signed release's dependencies are the ones reviewed.
BUILD       := $(SWIFT) build --force-resolved-versions
TESTBED     := bash testbed/testbed.sh
WITH_TESTBED := bash scripts/with-testbed.sh

.PHONY: all preflight build-deps deps build static install lint format test bench demo testbed-up testbed-down clean

all: build

# What the testbed needs of this machine and no package can give, checked in seconds before any
# install, build or boot (see each script's preflight).
preflight:
	$(TESTBED) preflight
	bash testbed/clickhouse-legacy.sh preflight

# The packages the build and the testbed's hosts need; deps adds the legacy ClickHouse servers' (tests only).
build-deps:
	$(TESTBED) deps

deps: build-deps
	bash testbed/clickhouse-legacy.sh deps

# qtickets-api runs on servers without Swift, deployctl on workstations without it: their standard
# library and Foundation are linked in statically (Foundation's static archives need each other,
# hence the link group), optimised, and stripped. qtickets-api's modules import FoundationEssentials
# only, so no ICU (34 MB of data) is linked into it. They are built in a scratch path of their own:
# objects compiled for a static link carry autolink entries for the static archives, and a dynamic
# link of the same objects (the test build) would fail on them.
STATIC_FOUNDATION := $(foreach lib,Foundation FoundationEssentials FoundationInternationalization CoreFoundation \
	_FoundationICU _FoundationCShims _FoundationCollections,-Xlinker -l$(lib))
STATIC_BUILD := $(BUILD) -c release --scratch-path .build-static --static-swift-stdlib \
	-Xlinker --start-group $(STATIC_FOUNDATION) -Xlinker --end-group

build: static deps
	$(BUILD) --build-tests

static: build-deps
	$(STATIC_BUILD) --product qtickets-api
	$(STATIC_BUILD) --product deployctl
	mkdir -p .build/static
	strip -o .build/static/qtickets-api "$$($(STATIC_BUILD) --show-bin-path)/qtickets-api"
	strip -o .build/static/deployctl "$$($(STATIC_BUILD) --show-bin-path)/deployctl"

# deployctl with its man pages and bash, zsh and fish completions, all generated from the command
# definitions, under PREFIX (default /usr/local). The binary records the git revision it was built from.
PREFIX ?= /usr/local
install: build-deps
	SWIFT="$(SWIFT)" bash scripts/install.sh "$(PREFIX)"

# The formatter's style (.swift-format, the toolchain's `swift format`) and shellcheck over every
# host script and the plugin that embeds them: both fail on a finding.
FORMATTED := Sources Tests Plugins Benchmarks Package.swift
lint: build-deps
	$(SWIFT) format lint --strict --parallel -r $(FORMATTED)
	shellcheck -s sh Sources/HostScripts/*.sh Plugins/EmbedHostScripts/embed.sh

# Rewrites the Swift sources in the formatter's style.
format:
	$(SWIFT) format format --in-place --parallel -r $(FORMATTED)

# Unit and integration tests. Integration tests talk to real OpenSSH, systemd and ClickHouse on the
# testbed's hosts and the legacy servers, which this target starts and always stops again. Tests run
# one at a time: they share a few hosts and a two-thread pool, and some stop a replica or an sshd.
test: preflight lint build
	$(WITH_TESTBED) --fleet 1 $(SWIFT) test --skip-build --no-parallel

bench: preflight static deps
	$(BUILD) -c release --product deployctl-bench
	$(WITH_TESTBED) --fleet 19 .build/release/deployctl-bench

# The demo uses the testbed's hosts only: neither installs nor starts the legacy servers.
demo:
	$(TESTBED) preflight
	$(MAKE) --no-print-directory static
	$(BUILD)
	$(WITH_TESTBED) --hosts-only bash scripts/demo.sh

testbed-up: preflight deps
	$(TESTBED) up
	bash testbed/clickhouse-legacy.sh up

testbed-down:
	bash testbed/clickhouse-legacy.sh down
	$(TESTBED) down

clean: testbed-down
	rm -rf .build .testbed
