# fieldlog: build, test, demo, bench.
#
#   make                 build ./fieldlog (installs missing Debian packages first)
#   make check           build and run every test; ends with "N passed, N failed, N skipped"
#   make check SANITIZE=address,undefined
#                        the same against an ASan+UBSan build (in .build/)
#   make demo            a scripted officer session in a temporary workspace
#   make bench [SCALE=1m]
#   make test-tool       build the tests' helper (the data generator) alone
#   make install PREFIX=/usr/local DESTDIR=

CC ?= cc
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
DATADIR = $(PREFIX)/share/fieldlog
PYTHON ?= python3

PKGS = sqlite3 libgit2 libcjson libutf8proc zlib libsodium
WARN = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes -Wwrite-strings -Wvla
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) -I. $(PKG_CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -lpthread

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

LIB_SRC = $(sort $(wildcard schema/*.c sync/*.c) $(filter-out app/main.c,$(wildcard app/*.c)))
LIB_OBJ = $(LIB_SRC:%.c=$(B)/%.o) $(B)/schema/refdata-blob.o $(B)/app/messages-blob.o
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

$(FIELDLOG): $(B)/app/main.o $(B)/libfieldlog.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(B)/libfieldlog.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

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

$(B)/tests/unit/%: tests/unit/%.c $(B)/libfieldlog.a $(DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libfieldlog.a $(LDLIBS_ALL)

# The tests' helper (tests/helper, as git's t/helper/test-tool): the data
# generator and whatever else only tests and the bench run. Built for
# `make check` and `make bench`, never by `make` or `make install`; the
# tests and bench/run.sh find it through $TEST_TOOL.
TEST_TOOL_SRC = $(sort $(wildcard tests/helper/*.c))
TEST_TOOL_BIN = $(B)/tests/helper/test-tool

$(TEST_TOOL_BIN): $(TEST_TOOL_SRC:%.c=$(B)/%.o) $(B)/libfieldlog.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

test-tool: $(TEST_TOOL_BIN)
check bench: $(TEST_TOOL_BIN)
check bench: export TEST_TOOL = $(CURDIR)/$(TEST_TOOL_BIN)

-include $(shell find .build -name '*.d' 2>/dev/null)

check: $(FIELDLOG) $(UNIT_BIN)
	@sh .ci/bootstrap test
	@FIELDLOG_BIN=$(CURDIR)/$(FIELDLOG) UNIT_DIR=$(CURDIR)/$(B)/tests/unit \
		sh tests/run.sh $(T)

demo: fieldlog
	@sh tests/demo.sh $(CURDIR)/fieldlog

SCALE ?=
bench: fieldlog
	@sh .ci/bootstrap test
	@FIELDLOG_BIN=$(CURDIR)/fieldlog sh bench/run.sh $(SCALE)

install: fieldlog
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)
	install -m 755 fieldlog $(DESTDIR)$(BINDIR)/fieldlog
	install -m 644 schema/provinces.csv schema/communes.csv schema/domains.csv \
		schema/SOURCE.md $(DESTDIR)$(DATADIR)/

clean:
	rm -rf .build fieldlog

.PHONY: all check demo bench install clean fieldlog test-tool
