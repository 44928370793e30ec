# SPDX-License-Identifier: GPL-2.0
CLI_OBJS := $(addprefix $(O)/ipsecme/,main.o show.o info.o)

PROGRAMS += $(O)/ipsecme/ipsecme
MANPAGES += ../Documentation/man/ipsecme.8
$(O)/ipsecme/ipsecme: $(CLI_OBJS) $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_MNL)

UNIT_TESTS += $(O)/ipsecme/info_test
$(O)/ipsecme/info_test: $(O)/ipsecme/info_test.o $(O)/ipsecme/info.o $(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_MNL)
