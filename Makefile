# The two commands of the README, plus their parts. Each target installs
# missing dependencies (packaging/install-deps.sh) and builds as needed.
#   make demo   Shoal's main job
#   make demo-internet  (root) two NATed homes pair by code, sync, punch through
#   make test   every test (unit, lint, end-to-end) through ctest
#   make bench  the benchmarks in tests/bench (numbers, not pass/fail)
#   make sim    the cluster simulation over a range of seeds (SEEDS=A:B)
#   make chaos  the chaos test with real daemons over many seeds (SEEDS=A:B STEPS=N)
#   make compare  Shoal side by side with Syncthing and rsync (SCENARIOS=.. RUNS=N QUICK=1)
#   make scale  one folder of 1,000,000 small files (FILES=N SYNC=1)
#   make shoal  only the `shoal` binary (what the demos run; no tests)
# Variables: BUILD (build directory), CMAKE_FLAGS (extra -D options), JOBS,
# CTEST_FLAGS (extra ctest options, e.g. -LE repo or -L e2e).
BUILD ?= build
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_FLAGS ?=

.PHONY: all deps configure build shoal test demo demo-internet demo-stop bench sim chaos compare scale clean

all: build

deps:
	@packaging/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# The demos run nothing but the binary: building the tests and benchmarks
# first would add minutes for code they never run (`make test` builds all).
shoal: configure
	cmake --build $(BUILD) -j $(JOBS) --target shoal

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_FLAGS)

demo: shoal
	@packaging/demo.sh $(BUILD)/cli/shoal

# Two homes behind NAT routers in network namespaces (root): pairing by code
# through a relay and a discovery server, then a punched direct path.
demo-internet: shoal
	@packaging/demo-internet.sh $(BUILD)/cli/shoal

# Stops the daemons the last `make demo` left running.
demo-stop:
	@for d in /tmp/shoal-demo.last/laptop /tmp/shoal-demo.last/desktop; do \
	  [ -d "$$d/home" ] && $(BUILD)/cli/shoal --home "$$d/home" shutdown || true; done

# Benchmarks print their figures (docs/performance.md); they assert nothing.
# BENCH_FLAGS=--quick for a fast smoke run.
BENCH_FLAGS ?=
bench: build
	$(BUILD)/tests/bench/shoal_bench_chunk
	$(BUILD)/tests/bench/shoal_bench_scan $(BENCH_FLAGS)
	$(BUILD)/tests/bench/shoal_bench_session $(BENCH_FLAGS)
	$(BUILD)/tests/bench/shoal_bench_versions
	tests/bench/status_latency.sh $(BUILD)
	tests/bench/write_while_watched.sh $(BUILD)/cli/shoal 1000

# The deterministic cluster simulation (docs/simulation.md) over any range
# of seeds, for soaks longer than the 500 seeds ctest runs:
#   make sim SEEDS=1:5000 SIM_FLAGS="--steps 400 --devices 5"
SEEDS ?= 1:500
SIM_FLAGS ?=
sim: build
	$(BUILD)/tests/sim/shoal_sim --seeds $(SEEDS) $(SIM_FLAGS)

# The chaos test (tests/e2e/chaos_e2e_test.cc: three real daemons, random
# edits, kill -9) over many seeds and steps; ctest runs seed 1 for 40 steps.
#   make chaos SEEDS=1:20 STEPS=300
STEPS ?= 200
chaos: build
	SHOAL_CHAOS_SEEDS=$(if $(filter command line,$(origin SEEDS)),$(SEEDS),1:10) \
	  SHOAL_CHAOS_STEPS=$(STEPS) $(BUILD)/tests/e2e/shoal_e2e_tests "[chaos]"

# Shoal side by side with Syncthing and rsync on loopback (docs/performance.md,
# "Side by side"). Installs syncthing and rsync (packaging/install-bench-deps.sh).
#   make compare SCENARIOS=small,large RUNS=3 COMPARE_JSON=compare.json
#   make compare QUICK=1                     small sizes, a smoke run
#   make compare SHOAL=/path/to/shoal         that binary, and no build
# Scenarios: large small many latency edit prepend rename seeded idle (default: all).
SCENARIOS ?=
RUNS ?= 3
QUICK ?=
COMPARE_JSON ?=
COMPARE_FLAGS ?=
SHOAL ?= $(BUILD)/cli/shoal
compare: $(if $(filter command line,$(origin SHOAL)),,build)
	@packaging/install-bench-deps.sh
	tests/bench/compare/compare.py --shoal $(SHOAL) --runs $(RUNS) \
	  $(if $(SCENARIOS),--scenarios $(SCENARIOS)) $(if $(QUICK),--quick) \
	  $(if $(COMPARE_JSON),--json $(COMPARE_JSON)) $(COMPARE_FLAGS)

# Scale (docs/performance.md "Scale"): index, rescan, index size, RSS and
# status latency with FILES small files in one folder; SYNC=1 also syncs it
# to a second device (long: about 20 minutes for 1,000,000 on two cores).
#   make scale FILES=100000 SYNC=1
FILES ?= 1000000
SYNC ?=
scale: $(if $(filter command line,$(origin SHOAL)),,build)
	tests/bench/scale_bench.py --shoal $(SHOAL) --files $(FILES) $(if $(SYNC),--sync)

clean:
	rm -rf $(BUILD)
