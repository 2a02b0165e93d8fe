# Every test runs under ctest. Lua specs run with busted on lua5.4 with
# REDRESSD pointing at the daemon just built.
find_program(BUSTED busted REQUIRED)
find_program(LUA54 lua5.4 REQUIRED)

set(REDRESS_TEST_ENV
  "REDRESSD=${CMAKE_BINARY_DIR}/redressd"
  "REDRESS_CLI=${CMAKE_BINARY_DIR}/redress"
  "REDRESS_ROOT=${CMAKE_SOURCE_DIR}"
  "REDRESS_BUILD=${CMAKE_BINARY_DIR}")

if(REDRESS_SANITIZE)
  # Stock lua5.4 (busted) loads the instrumented rd.so: the ASan runtime must
  # come first. Leak checks stay on for the C units, and the integration
  # harness turns them back on for the daemon it starts (whose sanitizer
  # reports then fail the spec: tests/integration/harness.lua).
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so OUTPUT_VARIABLE ASAN_LIB OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(REDRESS_LUA_ENV "LD_PRELOAD=${ASAN_LIB}" "ASAN_OPTIONS=detect_leaks=0")
endif()

# C unit tests
file(GLOB UNIT_SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_*.c)
foreach(src ${UNIT_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_link_libraries(${name} PRIVATE redress_core)
  add_test(NAME unit.${name} COMMAND ${name})
  set_tests_properties(unit.${name} PROPERTIES ENVIRONMENT "${REDRESS_TEST_ENV}")
  find_program(VALGRIND valgrind)
  if(VALGRIND AND NOT REDRESS_SANITIZE)
    add_test(NAME valgrind.${name}
      COMMAND ${VALGRIND} --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect -q $<TARGET_FILE:${name}>)
    set_tests_properties(valgrind.${name} PROPERTIES ENVIRONMENT "${REDRESS_TEST_ENV}")
  endif()
endforeach()

# busted specs: Lua units (runtime Lua outside the daemon) and integration
# specs that start a fresh redressd per spec.
file(GLOB LUA_SPECS ${CMAKE_SOURCE_DIR}/tests/lua/*_spec.lua ${CMAKE_SOURCE_DIR}/tests/integration/*_spec.lua)
foreach(spec ${LUA_SPECS})
  get_filename_component(name ${spec} NAME_WE)
  get_filename_component(dir ${spec} DIRECTORY)
  get_filename_component(group ${dir} NAME)
  add_test(NAME ${group}.${name}
    COMMAND lua5.4 ${BUSTED} --lua=lua5.4 --helper=${CMAKE_SOURCE_DIR}/tests/helper.lua -o utfTerminal ${spec}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(${group}.${name} PROPERTIES ENVIRONMENT "${REDRESS_TEST_ENV};${REDRESS_LUA_ENV}" TIMEOUT 300)
endforeach()

# The engine benchmark's harness, tiny: it must keep building and running
# (and, in the sanitizer build, stay clean); its figure is for make bench.
add_test(NAME bench.engine_smoke
  COMMAND ${CMAKE_BINARY_DIR}/engine_bench ${CMAKE_SOURCE_DIR}/policies/retail 300 20
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(bench.engine_smoke PROPERTIES ENVIRONMENT "${REDRESS_TEST_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "engine without HTTP vs plain Lua")

# Complaints of one recurring cause decided side by side (50 in flight on
# the real engine: workers, writer, LMDB), every one answered (engine_bench
# stops at the first answer that is not a 201). engine.hot_cause: the cause
# has a live action after its fifth complaint, and its complaints join it
# without a check: next to no decision is made again (under 0.1 per
# complaint; it was most of them when each rewrote the cause's row).
# engine.hot_row: a threshold of 1,000 keeps the next thousand on the
# cause's row (the cases waiting for it), which each reads and writes: they
# conflict, and are decided again one after another (rd__order_by_row),
# under once per complaint (side by side: about 7 times, and some ran out
# of attempts and were refused).
add_test(NAME engine.hot_cause
  COMMAND ${CMAKE_BINARY_DIR}/engine_bench ${CMAKE_SOURCE_DIR}/policies/retail 1000 50
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(engine.hot_cause PROPERTIES ENVIRONMENT "${REDRESS_TEST_ENV};ENGINE_BENCH_CAUSE=100" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "recurring cause: .* decided again 0\\.0[0-9] times per complaint")
add_test(NAME engine.hot_row
  COMMAND ${CMAKE_BINARY_DIR}/engine_bench ${CMAKE_SOURCE_DIR}/policies/retail 400 50
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(engine.hot_row PROPERTIES
  ENVIRONMENT "${REDRESS_TEST_ENV};ENGINE_BENCH_CAUSE=100;ENGINE_BENCH_CONFIG=pack_settings = { retail = { recurring = { threshold = 1000 } } }"
  TIMEOUT 300 PASS_REGULAR_EXPRESSION "recurring cause: .* decided again 0\\.[0-9]+ times per complaint")

# The crash test, short form: SIGKILL under load, restart, verify.
add_test(NAME crash.short
  COMMAND lua5.4 ${CMAKE_SOURCE_DIR}/tests/integration/crash_test.lua 3 4
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(crash.short PROPERTIES ENVIRONMENT "${REDRESS_TEST_ENV}" TIMEOUT 600)

# The same with a power cut at each kill: data.mdb is replaced by what the
# disk holds (tests/integration/powercut.c, preloaded: only synced writes),
# so an answer given before its commit was on the disk shows as lost. Not
# under the sanitizers: ASan must be the first library loaded.
add_library(powercut MODULE tests/integration/powercut.c)
set_target_properties(powercut PROPERTIES PREFIX "" C_VISIBILITY_PRESET default)
target_link_libraries(powercut PRIVATE dl)
if(NOT REDRESS_SANITIZE)
  add_test(NAME crash.powercut
    COMMAND lua5.4 ${CMAKE_SOURCE_DIR}/tests/integration/crash_test.lua 3 4
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(crash.powercut PROPERTIES
    ENVIRONMENT "${REDRESS_TEST_ENV};POWERCUT=$<TARGET_FILE:powercut>" TIMEOUT 600)
endif()

# Every pack folder: `redress pack test` (lint, then the pack's own specs),
# exactly as a pack author runs it.
file(GLOB PACK_DIRS LIST_DIRECTORIES true ${CMAKE_SOURCE_DIR}/policies/* ${CMAKE_SOURCE_DIR}/examples/custom-policy)
foreach(dir ${PACK_DIRS})
  if(IS_DIRECTORY ${dir})
    get_filename_component(name ${dir} NAME)
    add_test(NAME pack.${name} COMMAND ${CMAKE_BINARY_DIR}/redress pack test ${dir} --min-coverage 100)
    set_tests_properties(pack.${name} PROPERTIES ENVIRONMENT "${REDRESS_TEST_ENV};${REDRESS_LUA_ENV}" TIMEOUT 300)
  endif()
endforeach()

# The calendar against an independent implementation (pandas, Debian's
# python3-pandas, used only here) on randomised cases.
add_test(NAME calendar.vs_pandas COMMAND sh ${CMAKE_SOURCE_DIR}/tests/calendar/compare.sh)
set_tests_properties(calendar.vs_pandas PROPERTIES ENVIRONMENT "${REDRESS_TEST_ENV};${REDRESS_LUA_ENV}" TIMEOUT 300)

# libFuzzer targets (clang, ASan + UBSan), a short run from the seed corpus;
# `make fuzz` runs longer.
find_program(CLANG clang)
if(CLANG AND NOT REDRESS_SANITIZE)
  add_test(NAME fuzz.short COMMAND sh ${CMAKE_SOURCE_DIR}/scripts/fuzz.sh 10 WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(fuzz.short PROPERTIES TIMEOUT 900)
endif()

# Fault containment under load: misbehaving policies beside healthy ones.
# Its throughput and latency gates hold in the plain build only (in the
# sanitizer build it checks that every call is stopped and recorded).
add_test(NAME fault.containment
  COMMAND lua5.4 ${CMAKE_SOURCE_DIR}/tests/integration/fault_containment.lua 20
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(fault.containment PROPERTIES ENVIRONMENT "${REDRESS_TEST_ENV};REDRESS_SANITIZE=${REDRESS_SANITIZE}" TIMEOUT 300)

# make install's tree, moved elsewhere, then run (decide, pack test, the
# daemon as the systemd unit starts it). The plain build only: installed
# sanitizer binaries would need the ASan runtime preloaded into busted.
if(NOT REDRESS_SANITIZE)
  add_test(NAME install.relocatable
    COMMAND sh ${CMAKE_SOURCE_DIR}/tests/integration/install_test.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
  set_tests_properties(install.relocatable PROPERTIES TIMEOUT 300)
endif()

# The operator console through a real browser: Debian's chromium headless,
# driven by chromium-driver and python3-selenium (tests/integration/
# console_test.py). Once, in the plain build: the sanitizer build's daemon
# serves the same page, and the browser dominates the run time.
if(NOT REDRESS_SANITIZE)
  add_test(NAME browser.console COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/console_test.py
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(browser.console PROPERTIES ENVIRONMENT "${REDRESS_TEST_ENV}" TIMEOUT 300 LABELS browser)
endif()

# Cluster mode (issue 17): three nats-server processes as a JetStream cluster
# and three redressd nodes on loopback, SIGKILLs of the leader, a follower
# and a nats-server in turn under load, then every node's store checked
# (tests/integration/cluster_test.py). Once, in the plain build: it measures
# failover under kills, which the sanitizer build would only slow down.
if(NOT REDRESS_SANITIZE)
  add_test(NAME cluster.kills COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/cluster_test.py 10 4
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(cluster.kills PROPERTIES ENVIRONMENT "${REDRESS_TEST_ENV}" TIMEOUT 240 LABELS cluster)
endif()
