# Convenience wrapper around CMake. `make` builds everything into build/:
# programs in build/bin/, libraries in build/lib/.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all configure check demo asan fuzz clean

all: configure
	cmake --build $(BUILD) -j$(JOBS)

configure:
	@scripts/deps.sh build
	@test -f $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

check:
	scripts/test.sh

demo:
	scripts/demo.sh

asan:
	@scripts/deps.sh build test
	@test -f build-asan/CMakeCache.txt || CC=clang cmake -S . -B build-asan \
	  -DCMAKE_BUILD_TYPE=Debug -DEXONET_SANITIZE=address,undefined
	cmake --build build-asan -j$(JOBS)

fuzz:
	@scripts/deps.sh build test
	@test -f build-fuzz/CMakeCache.txt || CC=clang cmake -S . -B build-fuzz \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXONET_FUZZ=ON
	cmake --build build-fuzz -j$(JOBS)

clean:
	rm -rf build build-asan build-fuzz
