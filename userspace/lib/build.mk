# SPDX-License-Identifier: GPL-2.0
LIB_OBJS := $(addprefix $(O)/lib/,nl.o genl.o json.o addr.o xfrm.o ctl.o \
	etcp_msg.o module_info.o)
KTEST_OBJS := $(O)/lib/ktest.o

UNIT_TESTS += $(O)/lib/module_info_test
$(O)/lib/module_info_test: $(O)/lib/module_info_test.o $(O)/lib/module_info.o \
		$(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_MNL)

UNIT_TESTS += $(O)/lib/json_test
$(O)/lib/json_test: $(O)/lib/json_test.o $(O)/lib/json.o $(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^

UNIT_TESTS += $(O)/lib/xfrm_test
$(O)/lib/xfrm_test: $(O)/lib/xfrm_test.o $(O)/lib/xfrm.o $(O)/lib/addr.o \
		$(O)/lib/nl.o $(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_MNL)

UNIT_TESTS += $(O)/lib/ctl_test
$(O)/lib/ctl_test: $(O)/lib/ctl_test.o $(O)/lib/ctl.o $(O)/lib/addr.o \
		$(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^
