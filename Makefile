# Thin wrapper: install missing packages, configure, build, then run or test.
SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD ?= build-asan
else
BUILD ?= build
endif
PORT ?= 8080
DATA_DIR ?= ./var
CMAKE_FLAGS = -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREDRESS_SANITIZE=$(SANITIZE)
PREFIX ?= /usr/local

.PHONY: all deps build run test install bench fuzz soak clean

all: build

deps:
	@sh scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j2

run: build
	PORT=$(PORT) DATA_DIR=$(DATA_DIR) $(BUILD)/redressd -c examples/redress.conf.lua

test: build
	cd $(BUILD) && ctest --output-on-failure
	@grep -hE '^(crash test( \(power cut\))?:|cluster test:|calendar vs pandas:|fuzz [a-z]+:|fault containment:)' $(BUILD)/Testing/Temporary/LastTest.log || true

# A relocatable tree under PREFIX (bin, lib/redress, share/redress, the
# systemd unit); DESTDIR stages it for a package.
install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

# Every benchmark as one table (ratios against baselines measured in the same run).
bench: build
	sh bench/run.sh

# Longer reliability runs than make test: fuzzing and many crash cycles.
fuzz: deps
	sh scripts/fuzz.sh $${FUZZ_SECONDS:-120}

soak: build
	REDRESSD=$(BUILD)/redressd REDRESS_ROOT=$(CURDIR) lua5.4 tests/integration/crash_test.lua $${SOAK_CYCLES:-25} 6
	sh scripts/fuzz.sh $${FUZZ_SECONDS:-300}

clean:
	rm -rf $(BUILD)
