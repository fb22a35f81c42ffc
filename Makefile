# attnscope — see README.md. `make run` and `make test` are all a fresh
# Debian 12 machine needs: both install missing packages through `deps`.

CC      ?= cc
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
# override: `make asan` sets CFLAGS on the command line, which would drop these
# (and -MMD: no header dependencies, so stale objects)
override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
           -Wno-unused-parameter -MMD -MP
BUILD   ?= build

PKGS_ENGINE = libopenblas-dev libcjson-dev libpcre2-dev
PKGS_APP    = libsdl2-dev libsdl2-ttf-dev libpng-dev libfontconfig-dev fonts-dejavu-core \
              fonts-wqy-microhei fonts-noto-color-emoji fonts-symbola
PKGS_TEST   = python3-numpy python3-regex python3-sentencepiece xvfb xauth xdotool
PKGS_BENCH  = python3-torch time
# node and npm for ONNX Runtime in make bench: Debian's, unless a node that
# ships its own npm is installed already (Debian's npm conflicts with it)
PKGS_NODE   = nodejs npm
PKGS_MODEL  = python3-torch python3-numpy python3-regex python3-matplotlib python3-sentencepiece sentencepiece
PKGS_BUILD  = gcc make pkg-config
PKGS_FUZZ   = clang libclang-rt-dev
PKGS_CHECK  = valgrind
DEPS_STAMP  = $(BUILD)/.deps-ok

ENGINE_CFLAGS = $(shell pkg-config --cflags libcjson libpcre2-8 2>/dev/null) -I/usr/include/x86_64-linux-gnu/openblas-pthread -I/usr/include/openblas
APP_CFLAGS    = $(shell pkg-config --cflags sdl2 SDL2_ttf libpng fontconfig 2>/dev/null)
LIBS_ENGINE   = -lopenblas -lcjson $(shell pkg-config --libs libpcre2-8 2>/dev/null || echo -lpcre2-8) -lm -lpthread
LIBS_APP      = $(shell pkg-config --libs sdl2 SDL2_ttf libpng fontconfig 2>/dev/null || echo -lSDL2 -lSDL2_ttf -lpng -lfontconfig)

ENGINE_SRC = $(wildcard src/engine/*.c)
APP_SRC    = $(wildcard src/app/*.c)
CLI_SRC    = $(wildcard src/cli/*.c)
TEST_SRC   = $(wildcard tests/test_*.c)

ENGINE_OBJ = $(ENGINE_SRC:%.c=$(BUILD)/%.o)
APP_OBJ    = $(APP_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ    = $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN   = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

BIN = $(BUILD)/attnscope

.PHONY: all run test asan bench deps deps-bench deps-model screenshots model model-gpt2 model-bert \
        model-translate clean fresh-check tsan valgrind deps-check fuzz fuzz-build deps-fuzz

all: $(BIN) $(TEST_BIN)

deps: $(DEPS_STAMP)
$(DEPS_STAMP): tools/deps.sh Makefile
	@sh tools/deps.sh $(PKGS_BUILD) $(PKGS_ENGINE) $(PKGS_APP) $(PKGS_TEST)
	@mkdir -p $(BUILD) && touch $@

$(BUILD)/src/engine/%.o: src/engine/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(ENGINE_CFLAGS) -c $< -o $@

$(BUILD)/src/app/%.o: src/app/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(ENGINE_CFLAGS) $(APP_CFLAGS) -Isrc -c $< -o $@

$(BUILD)/src/cli/%.o: src/cli/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(ENGINE_CFLAGS) $(APP_CFLAGS) -Isrc -c $< -o $@

$(BUILD)/libengine.a: $(ENGINE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libapp.a: $(APP_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(BUILD)/libapp.a $(BUILD)/libengine.a
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libapp.a $(BUILD)/libengine.a $(LIBS_APP) $(LIBS_ENGINE) $(LDFLAGS)

$(BUILD)/tests/%: tests/%.c tests/check.h $(BUILD)/libapp.a $(BUILD)/libengine.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(ENGINE_CFLAGS) $(APP_CFLAGS) -Isrc -Itests -o $@ $< $(BUILD)/libapp.a $(BUILD)/libengine.a $(LIBS_APP) $(LIBS_ENGINE) $(LDFLAGS)

# Opens the app on the shipped default model.
run: deps
	@$(MAKE) --no-print-directory all
	./$(BIN)

# The whole suite: numpy oracle data, C unit tests, CLI tests. Prints
# "N passed, N failed" last; exits non-zero on any failure.
test: deps deps-fuzz
	@$(MAKE) --no-print-directory all fuzz-build
	@BUILD=$(BUILD) sh tests/run_all.sh

# The same suite under AddressSanitizer + UBSan, in its own build folder.
asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" all
	@BUILD=build-asan ASAN_OPTIONS=detect_leaks=1 STORM_EVENTS=$${STORM_EVENTS:-100000} sh tests/run_all.sh

# The app tests and a 100,000-event storm under ThreadSanitizer, OpenBLAS on
# one thread (tools/sanitize.sh).
APP_TESTS = $(patsubst tests/%.c,%,$(wildcard tests/test_app_*.c))
tsan: deps
	@$(MAKE) --no-print-directory BUILD=build-tsan OPT=-O1 \
	  CFLAGS="-O1 -g -fsanitize=thread -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=thread" $(APP_TESTS:%=build-tsan/tests/%)
	@BUILD=build-tsan sh tools/sanitize.sh tsan

# The CLI and the headless app under valgrind's memcheck: 0 errors, 0 bytes
# definitely lost (tools/sanitize.sh).
valgrind: deps-check
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh tools/sanitize.sh valgrind

deps-check: deps
	@sh tools/deps.sh $(PKGS_CHECK)

# Does `make test` pass on a fresh Debian 12 root? debootstrap (minbase), a
# clone of HEAD, ../shared beside it, `make test` inside (tools/fresh_check.sh).
# Needs root; reads the mirror from the host's apt sources.
fresh-check:
	@bash tools/fresh_check.sh

# libFuzzer targets, one per input format (tests/fuzz/*_fuzzer.c), built
# with clang against the engine sources under ASan + UBSan. `make fuzz` runs
# each for FUZZ_SECONDS from tests/fuzz/corpus/<target>/ (the corpus grows
# in build/fuzz/work/) and prints execs and crashes per target; `make test`
# runs each briefly (tests/fuzz_test.sh).
FUZZ_CC      ?= clang
FUZZ_CFLAGS   = -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_TARGETS  = $(patsubst tests/fuzz/%_fuzzer.c,%,$(wildcard tests/fuzz/*_fuzzer.c))
FUZZ_BIN      = $(FUZZ_TARGETS:%=build/fuzz/%_fuzzer)
FUZZ_SECONDS ?= 300

deps-fuzz: deps
	@sh tools/deps.sh $(PKGS_FUZZ)

fuzz-build: deps-fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BIN)

build/fuzz/%_fuzzer: tests/fuzz/%_fuzzer.c tests/fuzz/fuzz_common.h $(ENGINE_SRC) src/cli/args.c $(wildcard src/engine/*.h) src/cli/args.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(ENGINE_CFLAGS) -Isrc -Itests/fuzz -o $@ $< $(ENGINE_SRC) src/cli/args.c $(LIBS_ENGINE)

# The app's parsers (session files, the state spec) link app sources too:
# FUZZ_APP_SRC_<target> lists them (the spec reader needs the app's name
# tables, so it takes them all).
FUZZ_APP_TARGETS  = session spec
FUZZ_APP_SRC_session = src/app/session.c src/app/wordmask.c src/app/colormap.c
FUZZ_APP_SRC_spec = $(APP_SRC)
$(FUZZ_APP_TARGETS:%=build/fuzz/%_fuzzer): build/fuzz/%_fuzzer: tests/fuzz/%_fuzzer.c tests/fuzz/fuzz_common.h \
                  $(ENGINE_SRC) $(APP_SRC) $(wildcard src/engine/*.h src/app/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(ENGINE_CFLAGS) $(APP_CFLAGS) -Isrc -Itests/fuzz -o $@ $< $(ENGINE_SRC) \
	  $(FUZZ_APP_SRC_$*) $(LIBS_APP) $(LIBS_ENGINE)

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tools/fuzz.sh $(FUZZ_TARGETS)

deps-bench: deps
	@sh tools/deps.sh $(PKGS_BENCH)
	@command -v npm >/dev/null || sh tools/deps.sh $(PKGS_NODE)

deps-model: deps
	@sh tools/deps.sh $(PKGS_MODEL)

# Speed against PyTorch and ONNX Runtime on a GPT-2-small-shaped random checkpoint, and app
# frame timings. Prints milliseconds and ratios.
bench: deps-bench
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh tools/bench/run.sh

screenshots: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh tools/screenshots.sh

# Rebuilds the default model (models/pd-llama) from ../shared/corpus, end to
# end; model-gpt2 rebuilds the previous default, models/pd-gpt2.
model: deps-model
	@$(MAKE) --no-print-directory $(BIN)
	sh tools/train/build_model.sh

# Trains the Spanish->English Marian model (models/bible-es-en) from
# ../shared/corpus/parallel; see tools/train_mt/README.md.
model-translate: deps-model
	@$(MAKE) --no-print-directory all
	sh tools/train_mt/build_model.sh
model-gpt2: deps-model
	MODEL=pd-gpt2 sh tools/train/build_model.sh

# Trains models/pd-bert (masked-language modelling; ~2 hours on 2 cores).
model-bert: deps-model
	@$(MAKE) --no-print-directory all
	sh tools/train_bert/build_model.sh

clean:
	rm -rf build build-asan build-tsan

-include $(ENGINE_OBJ:.o=.d) $(APP_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
