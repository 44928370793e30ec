# SPDX-License-Identifier: GPL-2.0
#
# make              module for KVER + userspace programs
# make check        host unit tests, then guest selftests on every kernel
# make check-debug  guest selftests on a KASAN/lockdep/kmemleak kernel
#                   (scripts/debug-kernel; TESTS="a.sh b.sh" for some)
# make demo         gateway and road warrior, both ipsecmed, in a guest
# make install      module into /lib/modules/$(KVER)/updates, programs
# make deps         install the build and test dependencies with apt

# Default kernel: the running one if its build tree exists, else the
# newest installed one.
KVER ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; \
	else ls -1d /lib/modules/*/build 2>/dev/null | sort -V | tail -n1 | \
	cut -d/ -f4; fi)
KDIR ?= /lib/modules/$(KVER)/build

# Each kernel builds in its own tree of symlinks to the sources, so builds
# for several kernels never share object files.
MODDIR := $(CURDIR)/build/$(KVER)/mod
MODULE := $(MODDIR)/kernel/ipsecme.ko

PREFIX ?= /usr
DESTDIR ?=

.PHONY: all module userspace check check-debug unit-check demo install \
	install-module install-userspace deps clean

all: module userspace

module:
	@test -d "$(KDIR)" || { echo "no kernel build tree at $(KDIR):" \
		"install linux-headers-$(KVER) or set KDIR" >&2; exit 1; }
	@mkdir -p $(MODDIR)
	@# Links to sources that are gone would stay prerequisites.
	@find $(MODDIR) -xtype l -delete
	@cp -rsf $(CURDIR)/kernel $(CURDIR)/Kbuild $(MODDIR)/
	$(MAKE) -C $(KDIR) M=$(MODDIR) modules

userspace:
	$(MAKE) -C userspace

check:
	@scripts/check

check-debug:
	@scripts/check-debug $(TESTS)

unit-check:
	$(MAKE) -C userspace check

demo:
	@scripts/demo

install: install-module install-userspace

install-module: module
	$(MAKE) -C $(KDIR) M=$(MODDIR) INSTALL_MOD_DIR=updates \
		CONFIG_MODULE_SIG_ALL= modules_install
	depmod -a $(KVER)

install-userspace: userspace
	$(MAKE) -C userspace install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

deps:
	@scripts/deps

clean:
	rm -rf build
	$(MAKE) -C userspace clean
