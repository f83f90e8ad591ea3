# Thin wrapper over CMake: the two set-up commands of the README.
#   make demo   install what is missing, build, run tlsscope on samples/
#   make test   install what is missing, build, run every test (CTest)
#   make install   build, then install the binary, manual pages, systemd unit,
#                  sysusers and logrotate files under DESTDIR/PREFIX (see README
#                  "Running on a SPAN port"); PREFIX=/usr/local, SYSCONFDIR=/etc
# Also: make build, make asan (sanitizer build + tests), make bench (performance,
# bench/run.sh; BENCH_BYTES=50000000 for a quick run), make fuzz (libFuzzer
# targets, FUZZ_SECONDS each; fuzz/run.sh), make clean.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

# Debian bookworm packages the build and the tests need. haproxy and
# dovecot-imapd are for the live tests, which start their own instances on
# loopback; in a container without systemd their postinst starts no daemon
# (invoke-rc.d is refused), while on a host with systemd it enables and starts
# the packaged services (dovecot on 143/993): stop them there if unwanted.
PACKAGES = build-essential cmake pkg-config libpcap-dev libndpi-dev libcmocka-dev libssl-dev \
           python3 valgrind jq libjson-c-dev zlib1g-dev libsqlite3-dev librdkafka-dev \
           haproxy dovecot-imapd

.PHONY: all deps build demo test asan bench fuzz clean install

PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR    ?=
BINDIR      = $(PREFIX)/bin
MANDIR      = $(PREFIX)/share/man/man1
# systemd looks in /usr/lib and /etc only, not under /usr/local.
UNITDIR    ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/systemd/system,$(SYSCONFDIR)/systemd/system)
SYSUSERSDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/sysusers.d,$(SYSCONFDIR)/sysusers.d)

all: build

deps:
	@missing=""; \
	for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "Missing Debian packages. Install them with:"; \
	    echo "  sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	@echo "== tlsscope over samples/ (one JSON line per TLS connection) =="
	$(BUILD)/tlsscope -r samples/legacy-client-alert.pcap -r samples/imaps.pcap -r samples/tls13-client-hello.pcap \
	    --pcapng $(BUILD)/demo.pcapng
	@echo "== the same capture annotated: $(BUILD)/demo.pcapng (Wireshark filter: frame.comment contains \"tlsscope\") =="

# The HTML report's test renders it in a real browser; the sensor's test
# replays captures into network namespaces; the ECS test runs ECS's own
# definitions (npm @elastic/ecs, installed into tests/ecs only, never
# committed) under Node.js; the Kafka tests consume with kcat. npm comes with
# some Node.js builds and is its own Debian package otherwise.
ECS_NPM = @elastic/ecs@9.4.0
test: PACKAGES += chromium tcpreplay tshark iproute2 nodejs kcat librdkafka-dev $(if $(shell command -v npm),,npm)
test: build tests/ecs/node_modules/@elastic/ecs/package.json
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

tests/ecs/node_modules/@elastic/ecs/package.json:
	npm install --prefix tests/ecs --no-save --no-audit --no-fund --no-package-lock $(ECS_NPM)

asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DTLSSCOPE_SANITIZE=ON $(CMAKE_ARGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

# Throughput against the libpcap floor and the peers, plus a manifest check;
# needs GNU time as well (installed by deps like the rest), and Python's
# cryptography for the QUIC capture's protected Initials (bench/gen_quic.py).
bench: PACKAGES += time python3-cryptography
bench: deps
	bench/run.sh

# libFuzzer targets (fuzz/, clang with ASan + UBSan), each run for
# FUZZ_SECONDS on a working corpus seeded from fuzz/corpus/; fails on any
# crash (artifacts in $(FUZZ_BUILD)/fuzz-artifacts/). FUZZ_TARGETS="json decode"
# runs only those.
fuzz: PACKAGES += clang libclang-rt-14-dev
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	      -DTLSSCOPE_FUZZ=ON -DTLSSCOPE_SANITIZE=ON $(CMAKE_ARGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets
	fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

install: build
	install -D -m 0755 $(BUILD)/tlsscope $(DESTDIR)$(BINDIR)/tlsscope
	install -D -m 0644 man/tlsscope.1 $(DESTDIR)$(MANDIR)/tlsscope.1
	install -D -m 0644 man/tlsscope-report.1 $(DESTDIR)$(MANDIR)/tlsscope-report.1
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@BINDIR@|$(BINDIR)|g' dist/tlsscope@.service.in >$(DESTDIR)$(UNITDIR)/tlsscope@.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/tlsscope@.service
	install -D -m 0644 dist/tlsscope.sysusers $(DESTDIR)$(SYSUSERSDIR)/tlsscope.conf
	install -D -m 0644 dist/tlsscope.logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/tlsscope
	@# Settings are the administrator's: never overwritten.
	@[ -e $(DESTDIR)$(SYSCONFDIR)/default/tlsscope ] || \
	    install -D -m 0644 dist/tlsscope.default $(DESTDIR)$(SYSCONFDIR)/default/tlsscope

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
