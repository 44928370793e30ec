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
#define IPSECME_MCGRP_BINDINGS		"bindings"

/**
 * enum ipsecme_cmd - generic netlink commands
 * @IPSECME_CMD_UNSPEC: never used
 * @IPSECME_CMD_GET_INFO: takes no attributes; replies with one message
 *	carrying %IPSECME_A_INFO_VERSION, %IPSECME_A_INFO_FEATURES,
 *	%IPSECME_A_INFO_NETNS_COUNT (only to callers with CAP_NET_ADMIN in
 *	the initial user namespace) and %IPSECME_A_INFO_STATS for the
 *	caller's network namespace.
 * @IPSECME_CMD_BIND: carry the ESP packets of one SA over an ESP-in-TCP
 *	connection. Takes %IPSECME_A_BIND_FAMILY, %IPSECME_A_BIND_DADDR and
 *	%IPSECME_A_BIND_SPI naming an existing plain (no encapsulation, no
 *	offload) ESP SA of the caller's netns, optionally
 *	%IPSECME_A_BIND_MARK, %IPSECME_A_BIND_MARK_MASK and
 *	%IPSECME_A_BIND_IF_ID (all 0 if absent), which must equal the SA's,
 *	and %IPSECME_A_BIND_FD, a file descriptor of the calling process for
 *	a connected TCP socket with the "espintcp" ULP attached, of the SA's
 *	address family. Binding an SA that is already bound moves it to the
 *	new socket (RFC 9329 reconnection). Errors: %ENOENT no such SA (or
 *	its mark or if_id differ), %ENOTSOCK / %EPROTOTYPE the fd is not a
 *	TCP socket, %ENOPROTOOPT the socket has no espintcp ULP, %ENOTCONN
 *	its connection is lost, %EAFNOSUPPORT socket and SA are of different
 *	families, %EINVAL the SA has an encapsulation template, is
 *	offloaded to a device or takes the kernel's ESP offload path
 *	(added while esp4_offload/esp6_offload was loaded), %ENOSPC too many
 *	bindings, %EOPNOTSUPP the kernel has its own espintcp.
 *	With %IPSECME_BIND_F_BEFORE_SA in %IPSECME_A_BIND_FLAGS, BIND only
 *	creates a binding for an SA not added yet, which then waits for it
 *	(%IPSECME_BIND_WAITING); the SA takes it when it is added
 *	(XFRM_MSG_NEWSA, or XFRM_MSG_UPDSA of a larval SA), so that its
 *	first packet already goes over the connection: bind a new outbound
 *	SA first, then add it. %EEXIST if a binding of that name exists, or
 *	an SA that the new one would collide with in xfrm (also a larval
 *	one). BIND the SA again once added, without the flag, to have it
 *	checked as above; UNBIND the binding if adding the SA or that
 *	second BIND failed.
 * @IPSECME_CMD_UNBIND: remove the binding named by %IPSECME_A_BIND_FAMILY,
 *	%IPSECME_A_BIND_DADDR, %IPSECME_A_BIND_SPI and the optional mark and
 *	if_id attributes as for BIND (%ENOENT if none). Packets of the SA
 *	then leave as plain ESP again.
 * @IPSECME_CMD_GET_BINDING: dump request without attributes; one message
 *	per binding of the caller's netns with &enum ipsecme_bind_attr.
 * @IPSECME_CMD_GET_CONN: dump request without attributes; one message per
 *	espintcp socket of the caller's netns with &enum ipsecme_conn_attr.
 * @IPSECME_CMD_CONN_LOST: notification only, on %IPSECME_MCGRP_EVENTS:
 *	an espintcp connection ended (EOF, reset, framing error) while its
 *	socket was still open; its bindings (%IPSECME_A_CONN_BINDINGS of
 *	them) are now dormant: their packets are dropped until rebound.
 *	Carries &enum ipsecme_conn_attr.
 * @IPSECME_CMD_BOUND: notification only, on %IPSECME_MCGRP_BINDINGS:
 *	BIND bound an SA, moved it to another socket or made it wait for its
 *	SA. Carries the SA's attributes as BIND takes them,
 *	%IPSECME_A_BIND_STATE and %IPSECME_A_BIND_SOCK_INO; its netlink
 *	port and sequence number are those of the BIND request.
 */
enum ipsecme_cmd {
	IPSECME_CMD_UNSPEC,
	IPSECME_CMD_GET_INFO,
	IPSECME_CMD_BIND,
	IPSECME_CMD_UNBIND,
	IPSECME_CMD_GET_BINDING,
	IPSECME_CMD_GET_CONN,
	IPSECME_CMD_CONN_LOST,
	IPSECME_CMD_BOUND,

	__IPSECME_CMD_MAX,
	IPSECME_CMD_MAX = __IPSECME_CMD_MAX - 1
};

/**
 * enum ipsecme_feature - bits of %IPSECME_A_INFO_FEATURES
 * @IPSECME_FEATURE_KERNEL_ESPINTCP: the running kernel was built with its
 *	own ESP-in-TCP (CONFIG_INET_ESPINTCP); the module leaves the kernel's
 *	"espintcp" TCP ULP in place.
 * @IPSECME_FEATURE_ESPINTCP: the module registered its own "espintcp" ULP;
 *	BIND, UNBIND and the binding and connection dumps work.
 * @IPSECME_FEATURE_BIND_BEFORE_SA: BIND takes %IPSECME_BIND_F_BEFORE_SA,
 *	and the %IPSECME_CMD_BOUND event is sent.
 *
 * A bit is set only when the feature is present in this build of the
 * module for this kernel, so userspace can probe instead of guessing from
 * version numbers.
 */
enum ipsecme_feature {
	IPSECME_FEATURE_KERNEL_ESPINTCP	= 1ULL << 0,
	IPSECME_FEATURE_ESPINTCP	= 1ULL << 1,
	IPSECME_FEATURE_BIND_BEFORE_SA	= 1ULL << 2,
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
 * @IPSECME_A_STAT_CONN_ATTACHED: espintcp ULP attachments (per netns: all
 *	time; per socket: 1)
 * @IPSECME_A_STAT_CONN_LOST: connections that ended (EOF, reset, fatal
 *	framing error) while their socket was still open
 * @IPSECME_A_STAT_RX_ESP: ESP records handed to xfrm input
 * @IPSECME_A_STAT_RX_IKE: IKE messages queued for recv()
 * @IPSECME_A_STAT_RX_KEEPALIVE: NAT-keepalive records (0xFF) dropped
 * @IPSECME_A_STAT_RX_EMPTY: records of length 2 ignored
 * @IPSECME_A_STAT_RX_BAD_LEN: length fields 0 or 1 (fatal to the stream)
 * @IPSECME_A_STAT_RX_MALFORMED: records too short to be ESP or IKE, dropped
 * @IPSECME_A_STAT_RX_NO_ROUTE: ESP records dropped because the device the
 *	segment came in on is gone (routing is the stack's, and counted there)
 * @IPSECME_A_STAT_RX_NOMEM: records dropped for lack of memory, or because
 *	the input backlog was full
 * @IPSECME_A_STAT_RX_IKE_OVERFLOW: IKE messages dropped because those
 *	already queued take half the socket's receive buffer
 * @IPSECME_A_STAT_TX_ESP: ESP packets framed onto a stream
 * @IPSECME_A_STAT_TX_IKE: IKE messages framed onto a stream
 * @IPSECME_A_STAT_TX_QUEUE_FULL: ESP packets dropped, per-socket queue full
 * @IPSECME_A_STAT_TX_DORMANT: ESP packets dropped, binding dormant
 * @IPSECME_A_STAT_TX_ERROR: records dropped because the stream failed
 * @IPSECME_A_STAT_TX_MALFORMED: ESP packets of a bound destination and SPI
 *	dropped because they cannot be carried: ESP header out of reach, a
 *	fragment, not built by xfrm, or not attributable to one of several
 *	SAs of that destination and SPI
 * @IPSECME_A_STAT_TX_STALE: ESP packets dropped because the SA their
 *	binding names died without an xfrm event (replaced by a migration);
 *	fail closed until the binding is renewed or removed
 * @IPSECME_A_STAT_TX_LOOP: ESP packets dropped because they carry a
 *	segment of the very connection they are bound to (a policy covers
 *	the connection itself)
 *
 * Every counter is a u64. Userspace must ignore counters it does not know:
 * later versions append new ones.
 */
enum ipsecme_stat_attr {
	IPSECME_A_STAT_UNSPEC,
	IPSECME_A_STAT_PAD,
	IPSECME_A_STAT_GENL_REQUESTS,
	IPSECME_A_STAT_CONN_ATTACHED,
	IPSECME_A_STAT_CONN_LOST,
	IPSECME_A_STAT_RX_ESP,
	IPSECME_A_STAT_RX_IKE,
	IPSECME_A_STAT_RX_KEEPALIVE,
	IPSECME_A_STAT_RX_EMPTY,
	IPSECME_A_STAT_RX_BAD_LEN,
	IPSECME_A_STAT_RX_MALFORMED,
	IPSECME_A_STAT_RX_NO_ROUTE,
	IPSECME_A_STAT_RX_NOMEM,
	IPSECME_A_STAT_RX_IKE_OVERFLOW,
	IPSECME_A_STAT_TX_ESP,
	IPSECME_A_STAT_TX_IKE,
	IPSECME_A_STAT_TX_QUEUE_FULL,
	IPSECME_A_STAT_TX_DORMANT,
	IPSECME_A_STAT_TX_ERROR,
	IPSECME_A_STAT_TX_MALFORMED,
	IPSECME_A_STAT_TX_STALE,
	IPSECME_A_STAT_TX_LOOP,

	__IPSECME_A_STAT_MAX,
	IPSECME_A_STAT_MAX = __IPSECME_A_STAT_MAX - 1
};

/**
 * enum ipsecme_bind_state - values of %IPSECME_A_BIND_STATE
 * @IPSECME_BIND_ACTIVE: packets of the SA go to the bound socket
 * @IPSECME_BIND_DORMANT: the connection was lost or its socket closed;
 *	packets are dropped and counted until the SA is bound to a new
 *	socket, unbound, or dies
 * @IPSECME_BIND_WAITING: bound with %IPSECME_BIND_F_BEFORE_SA, its SA not
 *	added yet (whether its socket is open or closed: then
 *	%IPSECME_A_BIND_SOCK_INO is 0)
 */
enum ipsecme_bind_state {
	IPSECME_BIND_ACTIVE,
	IPSECME_BIND_DORMANT,
	IPSECME_BIND_WAITING,
};

/**
 * enum ipsecme_bind_flags - bits of %IPSECME_A_BIND_FLAGS
 * @IPSECME_BIND_F_BEFORE_SA: the SA may not have been added yet
 */
enum ipsecme_bind_flags {
	IPSECME_BIND_F_BEFORE_SA	= 1U << 0,
};

/**
 * enum ipsecme_bind_attr - attributes of BIND, UNBIND and GET_BINDING
 * @IPSECME_A_BIND_UNSPEC: never used
 * @IPSECME_A_BIND_PAD: padding for 64-bit attributes
 * @IPSECME_A_BIND_FAMILY: u16, AF_INET or AF_INET6: the SA's family
 * @IPSECME_A_BIND_DADDR: binary, 4 or 16 bytes (matching the family): the
 *	SA's destination address
 * @IPSECME_A_BIND_SPI: u32 in network byte order, non-zero: the SA's SPI
 * @IPSECME_A_BIND_FD: s32, request only (BIND): file descriptor of the
 *	caller for the espintcp socket
 * @IPSECME_A_BIND_STATE: u8, reply only, &enum ipsecme_bind_state
 * @IPSECME_A_BIND_SOCK_INO: u64, reply only: inode number of the bound
 *	socket (as in /proc/PID/fd and ss -e), 0 when dormant
 * @IPSECME_A_BIND_TX_PACKETS: u64, reply only: ESP packets of the SA
 *	queued to a stream since the binding was created
 * @IPSECME_A_BIND_TX_DROPS: u64, reply only: ESP packets of the SA dropped
 *	(queue full, dormant or stale)
 * @IPSECME_A_BIND_MARK: u32, the SA's mark value (XFRMA_MARK), 0 if absent
 * @IPSECME_A_BIND_MARK_MASK: u32, the SA's mark mask, 0 if absent
 * @IPSECME_A_BIND_IF_ID: u32, the SA's XFRM interface id (XFRMA_IF_ID), 0
 *	if absent
 * @IPSECME_A_BIND_FLAGS: u32, request only (BIND): &enum ipsecme_bind_flags;
 *	other bits are refused
 */
enum ipsecme_bind_attr {
	IPSECME_A_BIND_UNSPEC,
	IPSECME_A_BIND_PAD,
	IPSECME_A_BIND_FAMILY,
	IPSECME_A_BIND_DADDR,
	IPSECME_A_BIND_SPI,
	IPSECME_A_BIND_FD,
	IPSECME_A_BIND_STATE,
	IPSECME_A_BIND_SOCK_INO,
	IPSECME_A_BIND_TX_PACKETS,
	IPSECME_A_BIND_TX_DROPS,
	IPSECME_A_BIND_MARK,
	IPSECME_A_BIND_MARK_MASK,
	IPSECME_A_BIND_IF_ID,
	IPSECME_A_BIND_FLAGS,

	__IPSECME_A_BIND_MAX,
	IPSECME_A_BIND_MAX = __IPSECME_A_BIND_MAX - 1
};

/**
 * enum ipsecme_conn_attr - attributes of GET_CONN replies and CONN_LOST
 * @IPSECME_A_CONN_UNSPEC: never used
 * @IPSECME_A_CONN_PAD: padding for 64-bit attributes
 * @IPSECME_A_CONN_SOCK_INO: u64, inode number of the socket
 * @IPSECME_A_CONN_FAMILY: u16, AF_INET or AF_INET6 (of the TCP socket)
 * @IPSECME_A_CONN_SADDR: binary, 4 or 16 bytes: local address
 * @IPSECME_A_CONN_DADDR: binary, 4 or 16 bytes: peer address
 * @IPSECME_A_CONN_SPORT: u16, local port, host byte order
 * @IPSECME_A_CONN_DPORT: u16, peer port, host byte order
 * @IPSECME_A_CONN_LOST: u32, 0 while the connection is up, else the
 *	positive errno saying why it ended (%EPIPE for an orderly EOF,
 *	%ECONNRESET, %EINVAL for a fatal framing error, ...)
 * @IPSECME_A_CONN_BINDINGS: u32, SAs bound to the socket (for CONN_LOST:
 *	the bindings that just became dormant)
 * @IPSECME_A_CONN_STATS: nest of &enum ipsecme_stat_attr, the counters of
 *	this socket (GET_CONN only)
 */
enum ipsecme_conn_attr {
	IPSECME_A_CONN_UNSPEC,
	IPSECME_A_CONN_PAD,
	IPSECME_A_CONN_SOCK_INO,
	IPSECME_A_CONN_FAMILY,
	IPSECME_A_CONN_SADDR,
	IPSECME_A_CONN_DADDR,
	IPSECME_A_CONN_SPORT,
	IPSECME_A_CONN_DPORT,
	IPSECME_A_CONN_LOST,
	IPSECME_A_CONN_BINDINGS,
	IPSECME_A_CONN_STATS,

	__IPSECME_A_CONN_MAX,
	IPSECME_A_CONN_MAX = __IPSECME_A_CONN_MAX - 1
};

#endif /* _UAPI_LINUX_IPSECME_H */
