/* SPDX-License-Identifier: GPL-2.0 */
/* NAT detection (RFC 7296 section 2.23). */
#ifndef IPSECMED_NAT_H
#define IPSECMED_NAT_H

#include "ipsecmed/ike/codec.h"
#include "ipsecmed/transport_udp.h"

#define NATD_LEN 20

/* SHA1(SPIi | SPIr | IP | port) into @out. */
int natd_hash(const uint8_t *spi_i, const uint8_t *spi_r,
	      const struct ipsec_addr *a, uint16_t port, uint8_t *out);

/* Add NAT_DETECTION_SOURCE_IP and _DESTINATION_IP for @ep. */
void natd_add(struct ike_builder *b, const uint8_t *spi_i,
	      const uint8_t *spi_r, const struct endpoint *ep);

/* From the notifies of @m, the CTL_NAT_* flags for @ep (0 if the peer
 * sent no NAT detection).
 */
uint8_t natd_check(const struct ike_msg *m, const uint8_t *spi_i,
		   const uint8_t *spi_r, const struct endpoint *ep);

/* The source address the kernel would use towards @remote. */
int route_source(const struct ipsec_addr *remote, struct ipsec_addr *local);

#endif /* IPSECMED_NAT_H */
