# SPDX-License-Identifier: GPL-2.0
#
# ipsecmed, the IKEv2 daemon: the message codec (ike/), the crypto suite
# (crypto/), the SA state, exchanges, transport and kernel glue, and
# their unit tests and fuzz target.

IKE_CODEC_OBJS := $(addprefix $(O)/ipsecmed/ike/,message.o payload.o \
	payload_sa.o payload_ts.o sk.o)
IKE_CRYPTO_OBJS := $(addprefix $(O)/ipsecmed/crypto/,prf.o kdf.o encr.o \
	integ.o dh.o sig.o)
# sa.o and what it needs: an SA's requests in flight are tasks.
SA_OBJS := $(addprefix $(O)/ipsecmed/,sa.o task.o loop.o window.o log.o)

IPSECMED_OBJS := $(addprefix $(O)/ipsecmed/,main.o daemon.o control.o \
	exchange_init.o exchange_auth.o exchange_info.o exchange_create.o \
	rekey.o auth.o cert.o proposal.o sa.o ts.o nat.o kernel.o policy.o \
	transport_udp.o transport_tcp.o module.o log.o window.o cookie.o loop.o \
	task.o reconnect.o core.o exchange.o)

PROGRAMS += $(O)/ipsecmed/ipsecmed
MANPAGES += ../Documentation/man/ipsecmed.8
$(O)/ipsecmed/ipsecmed: $(IPSECMED_OBJS) $(IKE_CODEC_OBJS) \
		$(IKE_CRYPTO_OBJS) $(CONF_OBJS) $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_MNL) $(LDLIBS_CRYPTO)

UNIT_TESTS += $(O)/ipsecmed/proposal_test
$(O)/ipsecmed/proposal_test: $(O)/ipsecmed/proposal_test.o \
		$(O)/ipsecmed/proposal.o $(O)/ipsecmed/ts.o $(CONF_OBJS) \
		$(O)/lib/addr.o $(IKE_CODEC_OBJS) $(IKE_CRYPTO_OBJS) $(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CRYPTO)

UNIT_TESTS += $(O)/ipsecmed/cert_test
$(O)/ipsecmed/cert_test: $(O)/ipsecmed/cert_test.o $(O)/ipsecmed/cert.o \
		$(O)/ipsecmed/auth.o $(CONF_OBJS) $(O)/lib/addr.o \
		$(IKE_CODEC_OBJS) $(IKE_CRYPTO_OBJS) $(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CRYPTO)

UNIT_TESTS += $(O)/ipsecmed/rekey_test
$(O)/ipsecmed/rekey_test: $(O)/ipsecmed/rekey_test.o $(O)/ipsecmed/rekey.o \
		$(O)/ipsecmed/proposal.o $(SA_OBJS) \
		$(O)/ipsecmed/ts.o $(CONF_OBJS) \
		$(O)/lib/addr.o $(IKE_CODEC_OBJS) $(IKE_CRYPTO_OBJS) $(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CRYPTO)

UNIT_TESTS += $(O)/ipsecmed/log_test
$(O)/ipsecmed/log_test: $(O)/ipsecmed/log_test.o $(O)/ipsecmed/log.o \
		$(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^

UNIT_TESTS += $(O)/ipsecmed/cookie_test
$(O)/ipsecmed/cookie_test: $(O)/ipsecmed/cookie_test.o \
		$(O)/ipsecmed/cookie.o $(IKE_CRYPTO_OBJS) $(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CRYPTO)

UNIT_TESTS += $(O)/ipsecmed/window_test
$(O)/ipsecmed/window_test: $(O)/ipsecmed/window_test.o \
		$(O)/ipsecmed/window.o $(SA_OBJS) $(CONF_OBJS) \
		$(O)/lib/addr.o $(IKE_CODEC_OBJS) $(IKE_CRYPTO_OBJS) $(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CRYPTO)

UNIT_TESTS += $(O)/ipsecmed/task_test
$(O)/ipsecmed/task_test: $(O)/ipsecmed/task_test.o $(SA_OBJS) $(CONF_OBJS) \
		$(O)/lib/addr.o $(IKE_CODEC_OBJS) $(IKE_CRYPTO_OBJS) $(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CRYPTO)

UNIT_TESTS += $(O)/ipsecmed/loop_test
$(O)/ipsecmed/loop_test: $(O)/ipsecmed/loop_test.o $(O)/ipsecmed/loop.o \
		$(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^

UNIT_TESTS += $(O)/ipsecmed/ike/codec_test
$(O)/ipsecmed/ike/codec_test: $(O)/ipsecmed/ike/codec_test.o \
		$(IKE_CODEC_OBJS) $(IKE_CRYPTO_OBJS) $(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CRYPTO)

UNIT_TESTS += $(O)/ipsecmed/ike/sk_test
$(O)/ipsecmed/ike/sk_test: $(O)/ipsecmed/ike/sk_test.o \
		$(IKE_CODEC_OBJS) $(IKE_CRYPTO_OBJS) $(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CRYPTO)

UNIT_TESTS += $(O)/ipsecmed/crypto/kdf_test
$(O)/ipsecmed/crypto/kdf_test: $(O)/ipsecmed/crypto/kdf_test.o \
		$(IKE_CRYPTO_OBJS) $(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CRYPTO)

UNIT_TESTS += $(O)/ipsecmed/crypto/dh_test
$(O)/ipsecmed/crypto/dh_test: $(O)/ipsecmed/crypto/dh_test.o \
		$(IKE_CRYPTO_OBJS) $(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CRYPTO)

# --- fuzzing --------------------------------------------------------------
#
# fuzz_replay (a unit test) runs the fuzz target over the committed corpus
# with the normal compiler. `make fuzz FUZZ_SECONDS=N` builds the target
# with clang's libFuzzer and ASan/UBSan and fuzzes for N seconds; new
# inputs go to $(O)/ipsecmed/fuzz/new, the committed corpus is read only.
# fuzz_check (also a unit test) does the same for FUZZ_CHECK_SECONDS so
# `make check` fuzzes for a bounded time; it skips when clang is absent.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 20
FUZZ_CHECK_SECONDS ?= 10
FUZZ_CORPUS := ipsecmed/fuzz/corpus
FUZZ_SRCS := ipsecmed/fuzz/fuzz_message.c $(wildcard ipsecmed/ike/*.c \
	ipsecmed/crypto/*.c)
FUZZ_SRCS := $(filter-out %_test.c,$(FUZZ_SRCS))
FUZZ_BIN := $(O)/ipsecmed/fuzz/fuzz_message

UNIT_TESTS += $(O)/ipsecmed/fuzz/fuzz_replay
$(O)/ipsecmed/fuzz/replay.o: override CFLAGS += \
	-DFUZZ_CORPUS=\"$(CURDIR)/$(FUZZ_CORPUS)\"
$(O)/ipsecmed/fuzz/fuzz_replay: $(O)/ipsecmed/fuzz/replay.o \
		$(O)/ipsecmed/fuzz/fuzz_message.o $(IKE_CODEC_OBJS) \
		$(IKE_CRYPTO_OBJS) $(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CRYPTO)

$(FUZZ_BIN): $(FUZZ_SRCS) $(wildcard ipsecmed/ike/*.h ipsecmed/crypto/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -g -O1 -std=c11 -D_GNU_SOURCE -I. -I../kernel/uapi \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined \
		-o $@ $(FUZZ_SRCS) $(LDLIBS_CRYPTO)

.PHONY: fuzz fuzz-corpus
fuzz: $(FUZZ_BIN)
	@mkdir -p $(O)/ipsecmed/fuzz/new
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -timeout=5 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		$(O)/ipsecmed/fuzz/new $(FUZZ_CORPUS)

UNIT_TESTS += $(O)/ipsecmed/fuzz/fuzz_check
$(O)/ipsecmed/fuzz/fuzz_check: ipsecmed/fuzz/fuzz_check.sh
	@mkdir -p $(dir $@)
	@if command -v $(FUZZ_CC) >/dev/null && \
	    $(MAKE) --no-print-directory $(FUZZ_BIN); then \
		sed -e 's|@FUZZ_BIN@|$(abspath $(FUZZ_BIN))|' \
		    -e 's|@CORPUS@|$(CURDIR)/$(FUZZ_CORPUS)|' \
		    -e 's|@SECONDS@|$(FUZZ_CHECK_SECONDS)|' $< >$@; \
	else \
		printf '#!/bin/sh\necho "1..0 # SKIP $(FUZZ_CC) cannot build the fuzzer"\nexit 4\n' >$@; \
	fi
	@chmod +x $@

$(O)/ipsecmed/fuzz/mkcorpus: $(O)/ipsecmed/fuzz/mkcorpus.o \
		$(IKE_CODEC_OBJS) $(IKE_CRYPTO_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CRYPTO)

fuzz-corpus: $(O)/ipsecmed/fuzz/mkcorpus
	$< $(FUZZ_CORPUS)

# Two daemons negotiating over the host's loopback without the kernel.
UNIT_TESTS += $(O)/ipsecmed/loopback_test
$(O)/ipsecmed/tests/ike_inject: $(O)/ipsecmed/tests/ike_inject.o
	$(CC) $(LDFLAGS) -o $@ $^

$(O)/ipsecmed/loopback_test: ipsecmed/tests/loopback.sh \
		$(O)/ipsecmed/ipsecmed $(O)/ipsecme/ipsecme ../selftests/mkcerts.sh \
		$(O)/ipsecmed/tests/ike_inject
	sed -e 's|@BUILD@|$(abspath $(O))|' \
	    -e 's|@MKCERTS@|$(abspath ../selftests/mkcerts.sh)|' $< >$@
	chmod +x $@

# The layers of the daemon's sources: no include goes up (daemon.h).
UNIT_TESTS += $(O)/ipsecmed/layers_test
$(O)/ipsecmed/layers_test: ipsecmed/layers_test.sh
	@mkdir -p $(dir $@)
	sed -e 's|@SRC@|$(CURDIR)/ipsecmed|' $< >$@
	chmod +x $@

# policy.c against a fake of lib/xfrm.h's policy calls.
UNIT_TESTS += $(O)/ipsecmed/policy_test
$(O)/ipsecmed/policy_test: $(O)/ipsecmed/policy_test.o \
		$(O)/ipsecmed/policy.o $(O)/ipsecmed/log.o $(SA_OBJS) \
		$(CONF_OBJS) $(O)/lib/addr.o $(IKE_CODEC_OBJS) \
		$(IKE_CRYPTO_OBJS) $(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CRYPTO)

# kernel.c against fakes of lib/xfrm.h's SA calls and of the module.
UNIT_TESTS += $(O)/ipsecmed/kernel_test
$(O)/ipsecmed/kernel_test: $(O)/ipsecmed/kernel_test.o \
		$(O)/ipsecmed/kernel.o $(O)/ipsecmed/ts.o $(SA_OBJS) \
		$(CONF_OBJS) $(O)/lib/addr.o $(IKE_CODEC_OBJS) \
		$(IKE_CRYPTO_OBJS) $(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CRYPTO) $(LDLIBS_MNL)

# CHILD_SA rekeys through exchange_create.c (and the peer's Deletes
# through exchange_info.c) against fakes of the daemon and the kernel.
UNIT_TESTS += $(O)/ipsecmed/exchange_create_test
$(O)/ipsecmed/exchange_create_test: $(O)/ipsecmed/exchange_create_test.o \
		$(O)/ipsecmed/exchange_create.o $(O)/ipsecmed/exchange_info.o \
		$(O)/ipsecmed/rekey.o \
		$(O)/ipsecmed/proposal.o $(O)/ipsecmed/ts.o $(SA_OBJS) \
		$(O)/ipsecmed/log.o $(CONF_OBJS) $(O)/lib/addr.o \
		$(IKE_CODEC_OBJS) $(IKE_CRYPTO_OBJS) $(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CRYPTO)
