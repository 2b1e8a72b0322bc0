# The two commands of the README, plus their parts. Each target installs
# missing dependencies (packaging/install-deps.sh) and builds as needed.
#   make demo   Shoal's main job
#   make test   every test (unit, lint, end-to-end) through ctest
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

clean:
	rm -rf $(BUILD)
