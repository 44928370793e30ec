// SPDX-License-Identifier: GPL-2.0
/*
 * ipsecme: IPsec Maintenance and Extensions for stock Linux kernels.
 *
 * Module entry points. Every subsystem has an init and an uninit; they run
 * in opposite orders so that nothing is reachable from userspace (genl)
 * before the state it touches exists, or after it is gone.
 */

#include <linux/module.h>
#include <net/tcp.h>

#include "espintcp.h"
#include "netlink.h"
#include "netns.h"
#include "sa_bind.h"
#include "version.h"

static int __init ipsecme_init(void)
{
	int err;

	err = ipsecme_netns_init();
	if (err)
		goto err_netns;
	err = ipsecme_bind_init();
	if (err)
		goto err_bind;
	err = ipsecme_genl_init();
	if (err)
		goto err_genl;
	/* Last: once the ULP is registered, sockets can reach everything. */
	err = ipsecme_etcp_init();
	if (err)
		goto err_etcp;

	pr_info("ipsecme " IPSECME_VERSION " loaded\n");
	return 0;

err_etcp:
	ipsecme_genl_uninit();
err_genl:
	ipsecme_bind_uninit();
err_bind:
	ipsecme_netns_uninit();
err_netns:
	return err;
}

/* No espintcp socket is left (each pinned the module): no new ones first,
 * then no control plane and no SA events, then the per-namespace hooks
 * and bindings; last, wait for the RCU callbacks that free bindings.
 */
static void __exit ipsecme_exit(void)
{
	ipsecme_etcp_uninit();
	ipsecme_genl_uninit();
	ipsecme_bind_uninit();
	ipsecme_netns_uninit();
	rcu_barrier();
}

module_init(ipsecme_init);
module_exit(ipsecme_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("IPsec Maintenance and Extensions: ESP-in-TCP (RFC 9329) for stock kernels");
MODULE_AUTHOR("The ipsecme developers");
MODULE_VERSION(IPSECME_VERSION);
MODULE_ALIAS_GENL_FAMILY(IPSECME_GENL_NAME);
MODULE_ALIAS_TCP_ULP("espintcp");
