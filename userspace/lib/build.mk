# SPDX-License-Identifier: GPL-2.0
LIB_OBJS := $(addprefix $(O)/lib/,nl.o genl.o json.o)
KTEST_OBJS := $(O)/lib/ktest.o

UNIT_TESTS += $(O)/lib/json_test
$(O)/lib/json_test: $(O)/lib/json_test.o $(O)/lib/json.o $(KTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^
