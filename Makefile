# Cylinder: one binary, `cylinder`. Every library comes through pkg-config.
LIBS     := libmicrohttpd jansson sqlite3 libpq libsodium xlsxwriter libzip expat
CC       ?= cc
CSTD     := -std=c17 -D_GNU_SOURCE
WARN     := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
CFLAGS   ?= -O2 -g
PKG_CFLAGS := $(shell pkg-config --cflags $(LIBS))
PKG_LIBS   := $(shell pkg-config --libs $(LIBS)) -lcsv -lunistring -lpthread -lm
BUILD    ?= build

SRC := $(wildcard src/core/*.c src/store/*.c src/http/*.c src/auth/*.c src/crm/*.c src/analytics/*.c src/io/*.c src/api/*.c src/seed/*.c)
LIB_OBJ := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRC))
GEN := $(BUILD)/gen/migrations.c $(BUILD)/gen/assets.c $(BUILD)/gen/openapi.c
GEN_OBJ := $(patsubst $(BUILD)/gen/%.c,$(BUILD)/obj/gen/%.o,$(GEN))
MIGRATIONS := $(sort $(wildcard src/store/migrations/*.sql))
WEB_SRC  := $(shell test -d web && find web/index.html web/src web/public web/package.json web/vite.config.* -type f 2>/dev/null | sort)

.PHONY: all server run test test-unit test-unit-asan test-api fuzz bench clean deps web
# The browser app is built first, so the server embeds its current files.
all:
	@$(MAKE) --no-print-directory web || echo "warning: the browser app did not build; the server keeps the last build" >&2
	@$(MAKE) --no-print-directory server
server: $(BUILD)/cylinder

web: $(if $(WEB_SRC),web/dist/index.html)
web/dist/index.html: $(WEB_SRC)
	cd web && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run -s build
	@touch $@

deps:
	scripts/bootstrap

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(CFLAGS) -I. -c $< -o $@

$(BUILD)/gen/migrations.c: $(MIGRATIONS) scripts/embed
	@mkdir -p $(dir $@)
	scripts/embed migrations $@ $(MIGRATIONS)

WEB_DIST := $(shell test -d web/dist && find web/dist -type f | sort)
$(BUILD)/gen/assets.c: $(WEB_DIST) scripts/embed
	@mkdir -p $(dir $@)
	scripts/embed assets $@ $(WEB_DIST)

$(BUILD)/gen/openapi.c: docs/openapi.json scripts/embed
	@mkdir -p $(dir $@)
	scripts/embed openapi $@ docs/openapi.json

$(BUILD)/cylinder: $(LIB_OBJ) $(GEN_OBJ) $(BUILD)/obj/main.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/obj/main.o: src/main.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Start it: install what is missing, build, create ./data/cylinder.db with demo data on first start.
run:
	scripts/bootstrap
	$(MAKE) all
	$(BUILD)/cylinder serve --listen 127.0.0.1:8080 --db data/cylinder.db --demo-if-empty

# The whole suite: unit, API (SQLite and PostgreSQL), browser, fuzz, sanitizers.
test:
	scripts/bootstrap --test
	scripts/test-all

test-unit:
	tests/unit/run

test-unit-asan:
	CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer' BUILD=build/unit-asan tests/unit/run

test-api: all
	npm run -s test:api

fuzz:
	tests/fuzz/run 60

bench: all
	bench/run

clean:
	rm -rf build
