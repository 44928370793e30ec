// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>

#include "ipsecmed/crypto/prf.h"
#include "ipsecmed/nat.h"
#include "lib/ctl.h"

int natd_hash(const uint8_t *spi_i, const uint8_t *spi_r,
	      const struct ipsec_addr *a, uint16_t port, uint8_t *out)
{
	uint8_t p[2] = { port >> 8, port & 0xff }, md[64];
	struct ike_iov iov[] = {
		{ spi_i, IKE_SPI_LEN }, { spi_r, IKE_SPI_LEN },
		{ a->family == AF_INET ? (const void *)&a->v4 :
		  (const void *)&a->v6, ipsec_addr_len(a->family) },
		{ p, 2 },
	};

	if (ike_hash("SHA1", iov, 4, md) != NATD_LEN)
		return -1;
	memcpy(out, md, NATD_LEN);
	return 0;
}

void natd_add(struct ike_builder *b, const uint8_t *spi_i,
	      const uint8_t *spi_r, const struct endpoint *ep)
{
	uint8_t h[NATD_LEN];

	if (!natd_hash(spi_i, spi_r, &ep->local, ep->lport, h))
		ikb_notify(b, 0, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, h,
			   NATD_LEN);
	if (!natd_hash(spi_i, spi_r, &ep->remote, ep->rport, h))
		ikb_notify(b, 0, NULL, 0, IKE_N_NAT_DETECTION_DESTINATION_IP,
			   h, NATD_LEN);
}

uint8_t natd_check(const struct ike_msg *m, const uint8_t *spi_i,
		   const uint8_t *spi_r, const struct endpoint *ep)
{
	uint8_t mine[NATD_LEN], theirs[NATD_LEN];
	bool src_seen = false, src_match = false, dst_seen = false;
	bool dst_match = false;
	const struct ike_payload *pl;
	unsigned int idx = 0;

	if (natd_hash(spi_i, spi_r, &ep->local, ep->lport, mine) ||
	    natd_hash(spi_i, spi_r, &ep->remote, ep->rport, theirs))
		return 0;
	while ((pl = ike_msg_find(m, IKE_PL_NOTIFY, &idx))) {
		struct ike_notify n;

		if (ike_notify_decode(pl, &n, NULL) || n.len != NATD_LEN)
			continue;
		if (n.type == IKE_N_NAT_DETECTION_SOURCE_IP) {
			src_seen = true;
			src_match |= !memcmp(n.data, theirs, NATD_LEN);
		} else if (n.type == IKE_N_NAT_DETECTION_DESTINATION_IP) {
			dst_seen = true;
			dst_match |= !memcmp(n.data, mine, NATD_LEN);
		}
	}
	return (uint8_t)((dst_seen && !dst_match ? CTL_NAT_LOCAL : 0) |
			 (src_seen && !src_match ? CTL_NAT_REMOTE : 0));
}

int route_source(const struct ipsec_addr *remote, struct ipsec_addr *local)
{
	struct sockaddr_storage ss;
	socklen_t sl = ipsec_addr_to_sockaddr(remote, 500, &ss);
	int fd = socket(remote->family, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;
	uint16_t port;

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, sl) ||
	    getsockname(fd, (struct sockaddr *)&ss, &(socklen_t){ sizeof(ss) }))
		err = -errno;
	else
		err = ipsec_addr_from_sockaddr((struct sockaddr *)&ss, local,
					       &port);
	close(fd);
	return err;
}
