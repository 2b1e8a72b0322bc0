# The two commands of the README, plus their parts. Each target installs
# missing dependencies (packaging/install-deps.sh) and builds as needed.
#   make demo   Shoal's main job
#   make test   every test (unit, lint, end-to-end) through ctest
#   make bench  the benchmarks in tests/bench (numbers, not pass/fail)
# Variables: BUILD (build directory), CMAKE_FLAGS (extra -D options), JOBS.
BUILD ?= build
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps configure build test demo bench clean

all: build

deps:
	@packaging/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	@$(BUILD)/cli/shoal --version
	@$(BUILD)/cli/shoal --help

# Benchmarks print their figures (docs/performance.md); they assert nothing.
# BENCH_FLAGS=--quick for a fast smoke run.
BENCH_FLAGS ?=
bench: build
	$(BUILD)/tests/bench/shoal_bench_chunk
	$(BUILD)/tests/bench/shoal_bench_scan $(BENCH_FLAGS)
	$(BUILD)/tests/bench/shoal_bench_session $(BENCH_FLAGS)

clean:
	rm -rf $(BUILD)
