# fieldlog: build, test, demo, bench.
#
#   make                 build ./fieldlog (installs missing Debian packages first)
#   make check           build and run every test; ends with "N passed, N failed, N skipped"
#   make check-layers    fail if schema/ calls up into sync/ or app/, or sync/ into app/
#   make check SANITIZE=address,undefined
#                        the same against an ASan+UBSan build (in .build/)
#   make demo            a scripted officer session in a temporary workspace
#   make bench [SCALE=1m]
#   make test-tool       build the tests' helper (the data generator) alone
#   make install PREFIX=/usr/local DESTDIR=
#                        (the man pages go to MANDIR, the bash completion to BASHCOMPDIR)

CC ?= cc
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
DATADIR = $(PREFIX)/share/fieldlog
MANDIR = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
PYTHON ?= python3

PKGS = sqlite3 libgit2 libssh2 libcjson libutf8proc zlib libsodium xlsxwriter libzip
WARN = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes -Wwrite-strings -Wvla
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) -I. $(PKG_CFLAGS)
# mbedcrypto (libmbedtls-dev, which libgit2 uses for TLS): HMAC-SHA1 for the
# hashed names of ~/.ssh/known_hosts; it has no pkg-config file.
LDLIBS_ALL = $(PKG_LIBS) -lmbedcrypto -lpthread

ifneq ($(SANITIZE),)
VARIANT = san
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -O1
LDFLAGS += -fsanitize=$(SANITIZE)
else
VARIANT = plain
endif
B = .build/$(VARIANT)

# The bootstrap runs once per machine: it checks pkg-config and installs what
# is missing (see .ci/bootstrap). Its stamp also carries the flags.
DEPS = .build/deps.mk
-include $(DEPS)

# One static library per layer, linked in the order app, sync, schema: a
# layer may call those after it, never those before, and `make check-layers`
# (and the suite, as test-layers) proves it on the archives' symbols.
OBJ_schema = $(patsubst %.c,$(B)/%.o,$(sort $(wildcard schema/*.c))) $(B)/schema/refdata-blob.o
OBJ_sync = $(patsubst %.c,$(B)/%.o,$(sort $(wildcard sync/*.c)))
OBJ_app = $(patsubst %.c,$(B)/%.o,$(sort $(filter-out app/main.c,$(wildcard app/*.c)))) \
	$(B)/app/messages-blob.o
LAYER_LIBS = $(B)/libfl-app.a $(B)/libfl-sync.a $(B)/libfl-schema.a
UNIT_SRC = $(sort $(wildcard tests/unit/test-*.c))
UNIT_BIN = $(UNIT_SRC:%.c=$(B)/%)

FIELDLOG = $(B)/fieldlog

all: fieldlog

$(DEPS): .ci/bootstrap
	@mkdir -p .build
	@sh .ci/bootstrap build
	@echo "PKG_CFLAGS = $$($(PKG_CONFIG) --cflags $(PKGS))" > $@.tmp
	@echo "PKG_LIBS = $$($(PKG_CONFIG) --libs $(PKGS))" >> $@.tmp
	@mv $@.tmp $@

fieldlog: $(FIELDLOG)
ifeq ($(VARIANT),plain)
	@cp $(FIELDLOG) $@.tmp && mv -f $@.tmp $@
else
	@:
endif

$(FIELDLOG): $(B)/app/main.o $(LAYER_LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

# The list of a layer's objects is a prerequisite too, so that a file
# removed or moved to another layer leaves its archive.
$(B)/libfl-%.a: $(B)/libfl-%.objs
	@rm -f $@
	ar rcs $@ $(OBJ_$*)
$(B)/libfl-schema.a: $(OBJ_schema)
$(B)/libfl-sync.a: $(OBJ_sync)
$(B)/libfl-app.a: $(OBJ_app)
$(B)/libfl-%.objs: FORCE
	@mkdir -p $(dir $@)
	@echo '$(OBJ_$*)' | cmp -s - $@ || echo '$(OBJ_$*)' > $@

$(B)/%.o: %.c $(DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# Reference data and domains are compiled into the binary (so the server
# hook needs nothing but the binary); schema/ keeps the CSV masters.
$(B)/schema/refdata-blob.o: schema/refdata-blob.S schema/provinces.csv schema/communes.csv schema/domains.csv
	@mkdir -p $(dir $@)
	$(CC) -c -o $@ $<

$(B)/app/messages-blob.o: app/messages-blob.S app/vi.po
	@mkdir -p $(dir $@)
	$(CC) -c -o $@ $<

$(B)/tests/unit/%: tests/unit/%.c $(LAYER_LIBS) $(DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LAYER_LIBS) $(LDLIBS_ALL)

# The layer check as one more test file of the suite (it speaks TAP).
$(B)/tests/unit/test-layers: tests/check-layers.sh
	@mkdir -p $(dir $@)
	@printf '#!/bin/sh\nexec sh "%s" "%s"\n' "$(CURDIR)/tests/check-layers.sh" \
		"$(CURDIR)/$(B)" > $@.tmp && chmod +x $@.tmp && mv -f $@.tmp $@

check-layers: $(LAYER_LIBS)
	@sh tests/check-layers.sh $(B)

# The tests' helper (tests/helper, as git's t/helper/test-tool): the data
# generator and whatever else only tests and the bench run. Built for
# `make check` and `make bench`, never by `make` or `make install`; the
# tests and bench/run.sh find it through $TEST_TOOL.
TEST_TOOL_SRC = $(sort $(wildcard tests/helper/*.c))
TEST_TOOL_BIN = $(B)/tests/helper/test-tool

$(TEST_TOOL_BIN): $(TEST_TOOL_SRC:%.c=$(B)/%.o) $(LAYER_LIBS)
	$(CC) $(LDFLAGS) -o $@ $(TEST_TOOL_SRC:%.c=$(B)/%.o) $(LAYER_LIBS) $(LDLIBS_ALL)

test-tool: $(TEST_TOOL_BIN)
check bench: $(TEST_TOOL_BIN)
check bench: export TEST_TOOL = $(CURDIR)/$(TEST_TOOL_BIN)

-include $(shell find .build -name '*.d' 2>/dev/null)

check: $(FIELDLOG) $(UNIT_BIN) $(B)/tests/unit/test-layers
	@sh .ci/bootstrap test
	@FIELDLOG_BIN=$(CURDIR)/$(FIELDLOG) UNIT_DIR=$(CURDIR)/$(B)/tests/unit \
		sh tests/run.sh $(T)

demo: fieldlog
	@sh tests/demo.sh $(CURDIR)/fieldlog

SCALE ?=
bench: fieldlog
	@sh .ci/bootstrap test
	@FIELDLOG_BIN=$(CURDIR)/fieldlog sh bench/run.sh $(SCALE)

install: fieldlog install-docs
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)
	install -m 755 fieldlog $(DESTDIR)$(BINDIR)/fieldlog
	install -m 644 schema/provinces.csv schema/communes.csv schema/domains.csv \
		schema/SOURCE.md $(DESTDIR)$(DATADIR)/

# The man pages (English, Vietnamese) and the bash completion: no build needed.
install-docs:
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/vi/man1 $(DESTDIR)$(BASHCOMPDIR)
	install -m 644 docs/man/fieldlog.1 $(DESTDIR)$(MANDIR)/man1/fieldlog.1
	install -m 644 docs/man/vi/fieldlog.1 $(DESTDIR)$(MANDIR)/vi/man1/fieldlog.1
	install -m 644 contrib/completion/fieldlog.bash $(DESTDIR)$(BASHCOMPDIR)/fieldlog

clean:
	rm -rf .build fieldlog

.PRECIOUS: $(B)/libfl-%.objs
.PHONY: FORCE all check check-layers demo bench install install-docs clean fieldlog test-tool
