# StrideGuard. The README's two commands are `make demo` and `make test`.
PREFIX ?= /usr
DESTDIR ?=
SWIFT ?= swift

.PHONY: all setup setup-test build demo test bench soak power-loss fuzz install uninstall clean

all: build

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

build: setup
	$(SWIFT) build -c release

# The main job on a desk, no device needed: the daemon on a virtual runner whose left
# leg tires (35 simulated minutes, about a minute here), with the ground-truth summary.
SCENARIO ?= config/scenarios/fatigue-ramp-left.yaml
demo: setup
	$(SWIFT) run strideguard simulate --scenario $(SCENARIO) --run-dir runs

# Every test, including the kernel VM test.
test: setup-test
	scripts/test.sh

# Six simulated hours with random faults and SIGHUP reloads, checked against the run
# record (release build, several minutes): `make soak SOAK_MINUTES=20` is a quick one.
SOAK_MINUTES ?= 360
soak: setup-test
	scripts/soak.sh $(SOAK_MINUTES)

# SIGKILL a recording daemon at random moments (30 times, about 5 minutes): every record
# opens and loses at most its last second.
POWER_LOSS_COUNT ?= 30
power-loss: setup-test
	scripts/power-loss.sh $(POWER_LOSS_COUNT)

# Benchmarks (ordo-one package-benchmark), in their own package.
bench: setup
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark

# libFuzzer over the input parsers (Fuzz/, docs/RELIABILITY.md): FUZZ_SECONDS per target,
# corpus kept in Fuzz/corpus, crashes copied to Fuzz/regressions.
FUZZ_SECONDS ?= 120
fuzz: setup
	scripts/fuzz.sh $(FUZZ_SECONDS)

# Installs the built program and the systemd/udev pieces (systemd/README.md). Build first
# (`make build`); then `sudo make install`, or `make install DESTDIR=/tmp/image` for an
# image. An existing /etc/strideguard/strideguard.yaml is never overwritten.
SYSCONFDIR ?= /etc
BINARY ?= .build/release/strideguard
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d

install:
	@test -x $(BINARY) || { echo "make install: no $(BINARY); run 'make build' first" >&2; exit 1; }
	install -D -m 0755 $(BINARY) $(DESTDIR)$(PREFIX)/bin/strideguard
	install -d -m 0755 $(DESTDIR)$(UNITDIR)
	sed 's|/usr/bin/strideguard|$(PREFIX)/bin/strideguard|g' systemd/strideguard.service > $(DESTDIR)$(UNITDIR)/strideguard.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/strideguard.service
	install -D -m 0644 systemd/strideguard.sysusers $(DESTDIR)$(SYSUSERSDIR)/strideguard.conf
	install -D -m 0644 systemd/strideguard.tmpfiles $(DESTDIR)$(TMPFILESDIR)/strideguard.conf
	install -D -m 0644 systemd/99-strideguard.rules $(DESTDIR)$(UDEVRULESDIR)/99-strideguard.rules
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/strideguard
	@if [ ! -f config/strideguard.yaml ]; then \
		echo "make install: no config/strideguard.yaml in this tree; none installed" >&2; \
	elif [ -e $(DESTDIR)$(SYSCONFDIR)/strideguard/strideguard.yaml ]; then \
		echo "make install: keeping the existing $(DESTDIR)$(SYSCONFDIR)/strideguard/strideguard.yaml"; \
	else \
		install -m 0644 config/strideguard.yaml $(DESTDIR)$(SYSCONFDIR)/strideguard/strideguard.yaml; \
	fi
	@if [ -z "$(DESTDIR)" ]; then \
		echo "Next: systemd-sysusers; systemd-tmpfiles --create strideguard.conf; udevadm control --reload; udevadm trigger; systemctl daemon-reload; systemctl enable --now strideguard"; \
	fi

# Removes what install put there, except the configuration and the run records.
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/strideguard $(DESTDIR)$(UNITDIR)/strideguard.service \
		$(DESTDIR)$(SYSUSERSDIR)/strideguard.conf $(DESTDIR)$(TMPFILESDIR)/strideguard.conf \
		$(DESTDIR)$(UDEVRULESDIR)/99-strideguard.rules

clean:
	rm -rf .build Benchmarks/.build Fuzz/.build Fuzz/.work vm/out
