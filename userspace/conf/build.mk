# SPDX-License-Identifier: GPL-2.0
# The ipsecmed.conf parser, linked into ipsecmed as $(CONF_OBJS) (it needs
# $(O)/lib/addr.o from $(LIB_OBJS) too).
CONF_OBJS := $(O)/conf/config.o $(O)/conf/values.o

MANPAGES += ../Documentation/man/ipsecmed.conf.5

UNIT_TESTS += $(O)/conf/config_test
$(O)/conf/config_test.o: override CFLAGS += \
	-DEXAMPLES_DIR=\"$(CURDIR)/ipsecmed/examples\"
$(O)/conf/config_test: $(O)/conf/config_test.o $(CONF_OBJS) $(O)/lib/addr.o \
		$(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^

# A bounded libFuzzer run in `make check` (skipped without clang), seeded
# with the example configurations.
CONF_FUZZ_CC ?= clang
CONF_FUZZ_SECONDS ?= 5
CONF_FUZZ_BIN := $(O)/conf/fuzz_config
$(CONF_FUZZ_BIN): conf/fuzz_config.c conf/config.c conf/values.c lib/addr.c \
		$(wildcard conf/*.h lib/*.h)
	@mkdir -p $(dir $@)
	$(CONF_FUZZ_CC) -g -O1 -std=c11 -D_GNU_SOURCE -I. -I../kernel/uapi \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -o $@ \
		conf/fuzz_config.c conf/config.c conf/values.c lib/addr.c

UNIT_TESTS += $(O)/conf/config_fuzz
$(O)/conf/config_fuzz: conf/fuzz_check.sh conf/fuzz_config.c conf/config.c \
		conf/values.c lib/addr.c
	@mkdir -p $(dir $@)
	@if command -v $(CONF_FUZZ_CC) >/dev/null && \
	    $(MAKE) --no-print-directory $(CONF_FUZZ_BIN); then \
		sed -e 's|@FUZZ_BIN@|$(abspath $(CONF_FUZZ_BIN))|' \
		    -e 's|@CORPUS@|$(CURDIR)/ipsecmed/examples|' \
		    -e 's|@SECONDS@|$(CONF_FUZZ_SECONDS)|' $< >$@; \
	else \
		printf '#!/bin/sh\necho "1..0 # SKIP $(CONF_FUZZ_CC) cannot build the fuzzer"\nexit 4\n' >$@; \
	fi
	@chmod +x $@
