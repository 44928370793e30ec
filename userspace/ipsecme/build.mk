# SPDX-License-Identifier: GPL-2.0
CLI_OBJS := $(addprefix $(O)/ipsecme/,main.o show.o daemon.o up.o \
	down.o status.o reload.o etcp.o monitor.o)

PROGRAMS += $(O)/ipsecme/ipsecme
MANPAGES += ../Documentation/man/ipsecme.8
$(O)/ipsecme/ipsecme: $(CLI_OBJS) $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_MNL)

UNIT_TESTS += $(O)/ipsecme/daemon_test
$(O)/ipsecme/daemon_test: $(O)/ipsecme/daemon_test.o $(O)/ipsecme/daemon.o \
		$(O)/ipsecme/up.o $(O)/ipsecme/down.o $(O)/ipsecme/status.o \
		$(O)/ipsecme/reload.o $(LIB_OBJS) $(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_MNL)

UNIT_TESTS += $(O)/ipsecme/etcp_test
$(O)/ipsecme/etcp_test: $(O)/ipsecme/etcp_test.o $(O)/ipsecme/etcp.o \
		$(LIB_OBJS) $(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_MNL)
