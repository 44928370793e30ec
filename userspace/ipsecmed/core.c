// SPDX-License-Identifier: GPL-2.0
/* The daemon's shared state (see core.h): credentials, randomness, the
 * SA table.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "ipsecmed/core.h"
#include "ipsecmed/log.h"

const struct creds *conn_creds(const struct daemon *d,
			       const struct conf_conn *conn)
{
	size_t i = (size_t)(conn - d->conf->conns);

	if (!d->creds || conn < d->conf->conns || i >= d->conf->n_conns)
		return NULL;
	return d->creds[i];
}

void rand_bytes(void *out, size_t len)
{
	if (RAND_bytes(out, (int)len) != 1) {
		log_err("the random number generator failed");
		abort();
	}
}

struct ike_sa *daemon_find_sa(struct daemon *d, const uint8_t *spi_i,
			      const uint8_t *spi_r)
{
	struct ike_sa *sa;

	for (sa = d->sas; sa; sa = sa->next)
		if (sa->state != IKE_S_DEAD &&
		    !memcmp(sa->spi_i, spi_i, IKE_SPI_LEN) &&
		    (!spi_r || !memcmp(sa->spi_r, spi_r, IKE_SPI_LEN)))
			return sa;
	return NULL;
}

void daemon_add_sa(struct daemon *d, struct ike_sa *sa)
{
	sa->id = ++d->next_sa_id;
	sa->created_ms = now_ms();
	sa->next = d->sas;
	d->sas = sa;
}
