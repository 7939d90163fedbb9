# ucspi-tls build. `make` builds every program in src/; `make check` installs
# what is missing, builds and runs the test suite; `make run` serves a demo;
# `make check-fresh` runs the README's commands in a fresh Debian 12 root.
# `make fuzz` and `make soak` run the fuzzers and the soak (see README).
# SANITIZE=1 builds into build-san/ with AddressSanitizer and UBSan.

PREFIX ?= /usr/local
SANITIZE ?=
BUILD := build$(if $(SANITIZE),-san)

CC_CMD := $(shell head -n 1 conf-cc)
LD_CMD := $(shell head -n 1 conf-ld)
ifneq ($(SANITIZE),)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
CFLAGS_ALL := $(CC_CMD) $(SANFLAGS) -I.deps/include -Isrc
LIBS := -lssl -lcrypto -lcdb .deps/owfat/usr/lib/libowfat.a

# A program is a src/NAME.c listed here; every other src/*.c is a shared module.
KNOWN_PROGRAMS := tcprules tcprulescheck sslserver sslclient sslhandle sslprint sslwrap \
	sslcat sslconnect ucspitls-demo
SOURCES := $(wildcard src/*.c)
PROGRAMS := $(filter $(KNOWN_PROGRAMS),$(patsubst src/%.c,%,$(SOURCES)))
MODULES := $(filter-out $(PROGRAMS:%=src/%.c),$(SOURCES))
SCRIPTS := $(notdir $(wildcard src/*.sh))
UNITS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/*.c))

BINS := $(PROGRAMS:%=$(BUILD)/bin/%) $(SCRIPTS:%.sh=$(BUILD)/bin/%)
UNIT_BINS := $(UNITS:%=$(BUILD)/t/%.t)
# make check runs each libFuzzer target briefly (tests/fuzz-smoke.t); set
# before check's rule, whose prerequisites make expands as it reads them.
FUZZERS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/*.c))

.PHONY: all deps check check-fresh test run bench profile fuzz soak install clean
.SECONDARY:

all: deps $(BINS) $(UNIT_BINS)

deps:
	@./package/deps

# Order-only: with make -j, nothing compiles before package/deps has run
# (it unpacks libowfat's headers into .deps/), yet deps never forces a rebuild.
$(BUILD)/obj/%.o: src/%.c $(wildcard src/*.h) conf-cc Makefile | deps
	@mkdir -p $(@D)
	$(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/libucspitls.a: $(MODULES:src/%.c=$(BUILD)/obj/%.o)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/obj/%.o $(BUILD)/libucspitls.a conf-ld
	@mkdir -p $(@D)
	$(LD_CMD) $(SANFLAGS) -o $@ $< $(BUILD)/libucspitls.a $(LIBS)

$(BUILD)/bin/%: src/%.sh
	@mkdir -p $(@D)
	cp $< $@ && chmod 755 $@

$(BUILD)/t/%.t: tests/unit/%.c $(BUILD)/libucspitls.a $(wildcard tests/unit/*.h) $(wildcard src/*.h) | deps
	@mkdir -p $(@D)
	$(CFLAGS_ALL) -Itests/unit $(LD_FLAGS) -o $@ $< $(BUILD)/libucspitls.a $(LIBS)

# Every test is bounded: `timeout` kills a test file that runs away.
TEST_TIMEOUT ?= 300
check: all $(FUZZERS)
	UCSPI_BIN=$(CURDIR)/$(BUILD)/bin UCSPI_TOP=$(CURDIR) \
	prove --exec 'timeout -k 5 $(TEST_TIMEOUT)' $(UNIT_BINS:%=./%) $(addprefix ./,$(wildcard tests/*.t))

test: check

# The README's set-up, proven in a clean room (root only; see package/check-fresh).
check-fresh:
	./package/check-fresh

run: all
	./package/run $(BUILD)/bin

# make bench: the load generator in bench/*.c (not part of all or check),
# then package/bench installs the peers and runs every workload.
# bench/dirtytrace.c is a preload for bench/dirty-pages, a shared object.
BENCH_BINS := $(patsubst bench/%.c,build/bench/%,$(filter-out bench/dirtytrace.c,$(wildcard bench/*.c)))
build/bench/%: bench/%.c $(wildcard bench/*.h) conf-cc conf-ld | deps
	@mkdir -p $(@D)
	$(CC_CMD) -o $@ $< -lssl -lcrypto
build/bench/dirtytrace.so: bench/dirtytrace.c conf-cc
	@mkdir -p $(@D)
	$(CC_CMD) -shared -fPIC -Wl,-z,now -o $@ $< -ldl

bench: all $(BENCH_BINS)
	./package/bench build/bin

# make profile: only the bench's callgrind profile of a connection child,
# its instructions grouped by what they are for (bench/cgclass.py)
profile: all $(BENCH_BINS)
	BENCH_ONLY=profile ./package/bench build/bin

# make fuzz: each tests/fuzz/NAME.c is a libFuzzer target, linked with
# clang against every module (src/*.c but the programs) built with ASan and
# UBSan into build/fuzz/; tests/fuzz/run runs each for FUZZ_SECONDS on its
# seeds (tests/fuzz/corpus/NAME) and prints executions, coverage and crashes
# (a crash stops it and leaves the input in build/fuzz/).
FUZZ_SECONDS ?= 60
FUZZ_CC := clang -g -O1 -std=c11 -D_GNU_SOURCE -I.deps/include -Isrc -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
build/fuzz/obj/%.o: src/%.c $(wildcard src/*.h) Makefile | deps
	@mkdir -p $(@D)
	$(FUZZ_CC) -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

build/fuzz/libucspitls.a: $(MODULES:src/%.c=build/fuzz/obj/%.o)
	rm -f $@
	ar rcs $@ $^

build/fuzz/%: tests/fuzz/%.c $(wildcard tests/fuzz/*.h) build/fuzz/libucspitls.a
	$(FUZZ_CC) -Itests/fuzz -fsanitize=fuzzer,address,undefined -o $@ $< \
	  build/fuzz/libucspitls.a $(LIBS)

fuzz: $(FUZZERS)
	tests/fuzz/run $(FUZZ_SECONDS) $(FUZZERS)

# make soak: sslserver and sslhandle under a mix of clients and injected
# faults for SOAK_SECONDS (tests/soak/soak.py; not part of check).
SOAK_SECONDS ?= 600
soak: all
	python3 tests/soak/soak.py --seconds $(SOAK_SECONDS) --bin $(BUILD)/bin

install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	for f in $(BINS); do install -m 755 $$f $(DESTDIR)$(PREFIX)/bin/; done
	for f in man/*.1; do [ -e "$$f" ] && install -m 644 $$f $(DESTDIR)$(PREFIX)/share/man/man1/; done; true

clean:
	rm -rf build build-san
