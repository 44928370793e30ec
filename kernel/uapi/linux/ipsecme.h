/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ipsecme: IPsec Maintenance and Extensions for stock Linux kernels.
 *
 * This header is the ABI between ipsecme.ko and userspace. Attribute and
 * command numbers are never reused or renumbered; new ones are appended.
 *
 * The generic netlink family is IPSECME_GENL_NAME. Every command requires
 * CAP_NET_ADMIN in the user namespace that owns the caller's network
 * namespace. Requests are validated strictly: unknown attributes, wrong
 * lengths and unknown flag bits are rejected with an extack message.
 */
#ifndef _UAPI_LINUX_IPSECME_H
#define _UAPI_LINUX_IPSECME_H

#include <linux/types.h>

#define IPSECME_GENL_NAME		"ipsecme"
#define IPSECME_GENL_VERSION		1
#define IPSECME_MCGRP_EVENTS		"events"

/**
 * enum ipsecme_cmd - generic netlink commands
 * @IPSECME_CMD_UNSPEC: never used
 * @IPSECME_CMD_GET_INFO: takes no attributes; replies with one message
 *	carrying %IPSECME_A_INFO_VERSION, %IPSECME_A_INFO_FEATURES,
 *	%IPSECME_A_INFO_NETNS_COUNT and %IPSECME_A_INFO_STATS for the
 *	caller's network namespace.
 */
enum ipsecme_cmd {
	IPSECME_CMD_UNSPEC,
	IPSECME_CMD_GET_INFO,

	__IPSECME_CMD_MAX,
	IPSECME_CMD_MAX = __IPSECME_CMD_MAX - 1
};

/**
 * enum ipsecme_feature - bits of %IPSECME_A_INFO_FEATURES
 * @IPSECME_FEATURE_KERNEL_ESPINTCP: the running kernel was built with its
 *	own ESP-in-TCP (CONFIG_INET_ESPINTCP); the module leaves the kernel's
 *	"espintcp" TCP ULP in place.
 *
 * A bit is set only when the feature is present in this build of the
 * module for this kernel, so userspace can probe instead of guessing from
 * version numbers.
 */
enum ipsecme_feature {
	IPSECME_FEATURE_KERNEL_ESPINTCP	= 1ULL << 0,
};

/**
 * enum ipsecme_info_attr - attributes of an %IPSECME_CMD_GET_INFO reply
 * @IPSECME_A_INFO_UNSPEC: never used
 * @IPSECME_A_INFO_PAD: padding for 64-bit attributes
 * @IPSECME_A_INFO_VERSION: NUL-terminated module version string
 * @IPSECME_A_INFO_FEATURES: u64, bitmask of &enum ipsecme_feature
 * @IPSECME_A_INFO_NETNS_COUNT: u32, network namespaces that currently hold
 *	ipsecme state (one per live namespace while the module is loaded)
 * @IPSECME_A_INFO_STATS: nest of &enum ipsecme_stat_attr, the counters of
 *	the caller's network namespace
 */
enum ipsecme_info_attr {
	IPSECME_A_INFO_UNSPEC,
	IPSECME_A_INFO_PAD,
	IPSECME_A_INFO_VERSION,
	IPSECME_A_INFO_FEATURES,
	IPSECME_A_INFO_NETNS_COUNT,
	IPSECME_A_INFO_STATS,

	__IPSECME_A_INFO_MAX,
	IPSECME_A_INFO_MAX = __IPSECME_A_INFO_MAX - 1
};

/**
 * enum ipsecme_stat_attr - per-network-namespace counters
 * @IPSECME_A_STAT_UNSPEC: never used
 * @IPSECME_A_STAT_PAD: padding for 64-bit attributes
 * @IPSECME_A_STAT_GENL_REQUESTS: u64, ipsecme netlink requests that
 *	reached a command handler in this namespace (requests rejected by
 *	validation or permission checks do not)
 *
 * Every counter is a u64. Userspace must ignore counters it does not know:
 * later versions append new ones.
 */
enum ipsecme_stat_attr {
	IPSECME_A_STAT_UNSPEC,
	IPSECME_A_STAT_PAD,
	IPSECME_A_STAT_GENL_REQUESTS,

	__IPSECME_A_STAT_MAX,
	IPSECME_A_STAT_MAX = __IPSECME_A_STAT_MAX - 1
};

#endif /* _UAPI_LINUX_IPSECME_H */
