# StrideGuard. The README's two commands are `make demo` and `make test`.
PREFIX ?= /usr
DESTDIR ?=
SWIFT ?= swift

.PHONY: all setup setup-test build demo test bench install clean

all: build

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

build: setup
	$(SWIFT) build -c release

# The main job on a desk: no device needed.
demo: setup
	$(SWIFT) run -c release strideguard probe --sim

# Every test, including the kernel VM test.
test: setup-test
	scripts/test.sh

# Benchmarks (ordo-one package-benchmark), in their own package.
bench: setup
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark

clean:
	rm -rf .build Benchmarks/.build vm/out
