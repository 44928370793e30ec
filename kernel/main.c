// SPDX-License-Identifier: GPL-2.0
/*
 * ipsecme: IPsec Maintenance and Extensions for stock Linux kernels.
 *
 * Module entry points. Every subsystem has an init and an uninit; they run
 * in opposite orders so that nothing is reachable from userspace (genl)
 * before the state it touches exists, or after it is gone.
 */

#include <linux/module.h>

#include "netlink.h"
#include "netns.h"
#include "version.h"

static int __init ipsecme_init(void)
{
	int err;

	err = ipsecme_netns_init();
	if (err)
		goto err_netns;
	err = ipsecme_genl_init();
	if (err)
		goto err_genl;

	pr_info("ipsecme " IPSECME_VERSION " loaded\n");
	return 0;

err_genl:
	ipsecme_netns_uninit();
err_netns:
	return err;
}

static void __exit ipsecme_exit(void)
{
	ipsecme_genl_uninit();
	ipsecme_netns_uninit();
}

module_init(ipsecme_init);
module_exit(ipsecme_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("IPsec Maintenance and Extensions: ESP-in-TCP, WESP, ESP-NULL visibility");
MODULE_AUTHOR("The ipsecme developers");
MODULE_VERSION(IPSECME_VERSION);
MODULE_ALIAS_GENL_FAMILY(IPSECME_GENL_NAME);
