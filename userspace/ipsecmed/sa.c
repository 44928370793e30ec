// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ipsecmed/crypto/kdf.h"
#include "ipsecmed/sa.h"

const char *ike_state_str(enum ike_state s)
{
	switch (s) {
	case IKE_S_INIT_SENT: return "CONNECTING";
	case IKE_S_HALF_OPEN: return "HALF_OPEN";
	case IKE_S_AUTH_SENT: return "AUTHENTICATING";
	case IKE_S_ESTABLISHED: return "ESTABLISHED";
	case IKE_S_DELETING: return "DELETING";
	case IKE_S_DEAD: return "DEAD";
	}
	return "?";
}

struct ike_sa *ike_sa_new(const struct conf_conn *conn, bool initiator)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	if (!sa)
		return NULL;
	ike_sa_set_conn(sa, conn);
	sa->initiator = initiator;
	return sa;
}

void ike_sa_set_conn(struct ike_sa *sa, const struct conf_conn *conn)
{
	struct conf *old = sa->conn ? sa->conn->owner : NULL;

	conf_get(conn ? conn->owner : NULL);
	sa->conn = conn;
	conf_put(old);
}

void child_sa_set_cfg(struct child_sa *c, const struct conf_child *cfg)
{
	struct conf *old = c->cfg ? c->cfg->owner : NULL;

	conf_get(cfg ? cfg->owner : NULL);
	c->cfg = cfg;
	conf_put(old);
}

bool child_sa_remap(struct child_sa *c, const struct conf_conn *conn)
{
	size_t i;

	if (!c || !c->cfg)
		return true;
	for (i = 0; i < conn->n_children; i++) {
		if (!strcmp(conn->children[i].name, c->cfg->name)) {
			child_sa_set_cfg(c, &conn->children[i]);
			return true;
		}
	}
	return false;
}

void child_sa_free(struct child_sa *c)
{
	if (!c)
		return;
	child_sa_set_cfg(c, NULL);
	OPENSSL_cleanse(c->keymat, sizeof(c->keymat));
	free(c);
}

void ike_sa_free(struct ike_sa *sa)
{
	struct child_sa *c, *n;

	if (!sa)
		return;
	for (c = sa->children; c; c = n) {
		n = c->next;
		child_sa_free(c);
	}
	ike_dh_free(sa->dh);
	free(sa->msg1);
	free(sa->msg2);
	task_flush(NULL, sa, false);	/* and what they negotiate */
	path_release(&sa->path);
	free(sa->resp);
	OPENSSL_cleanse(&sa->k, sizeof(sa->k));
	OPENSSL_cleanse(sa->ni, sizeof(sa->ni));
	OPENSSL_cleanse(sa->nr, sizeof(sa->nr));
	OPENSSL_cleanse(sa->coll_ni, sizeof(sa->coll_ni));
	OPENSSL_cleanse(sa->coll_nr, sizeof(sa->coll_nr));
	ike_sa_set_conn(sa, NULL);
	free(sa);
}

/* Split prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) into the seven keys.
 * SKEYSEED is as long as the output of the PRF that made it, which after
 * a rekey may not be this SA's.
 */
static int keys_from_skeyseed(struct ike_sa *sa, const uint8_t *skeyseed,
			      size_t skeyseed_len)
{
	struct ike_iov seed[] = {
		{ sa->ni, sa->ni_len }, { sa->nr, sa->nr_len },
		{ sa->spi_i, IKE_SPI_LEN }, { sa->spi_r, IKE_SPI_LEN },
	};
	const struct ike_suite *s = &sa->suite;
	uint8_t km[7 * IKE_PRF_MAX_LEN];
	struct sa_keys *k = &sa->k;
	size_t off = 0, total;
	int ret;

	k->d_len = k->p_len = s->prf->len;
	k->a_len = s->integ ? s->integ->key_len : 0;
	k->e_len = ike_encr_keymat_len(s->encr);
	total = k->d_len + 2 * k->a_len + 2 * k->e_len + 2 * k->p_len;
	ret = ike_prf_plus(s->prf, skeyseed, skeyseed_len, seed, 4, km,
			   total);
	if (!ret) {
		memcpy(k->d, km + off, k->d_len), off += k->d_len;
		memcpy(k->ai, km + off, k->a_len), off += k->a_len;
		memcpy(k->ar, km + off, k->a_len), off += k->a_len;
		memcpy(k->ei, km + off, k->e_len), off += k->e_len;
		memcpy(k->er, km + off, k->e_len), off += k->e_len;
		memcpy(k->pi, km + off, k->p_len), off += k->p_len;
		memcpy(k->pr, km + off, k->p_len);
	}
	OPENSSL_cleanse(km, sizeof(km));
	return ret;
}

int ike_sa_derive(struct ike_sa *sa, const uint8_t *gir, size_t gir_len)
{
	struct ike_nonces n = { sa->ni, sa->ni_len, sa->nr, sa->nr_len };
	uint8_t skeyseed[IKE_PRF_MAX_LEN];
	int ret;

	ret = ike_skeyseed(sa->suite.prf, &n, gir, gir_len, skeyseed);
	if (!ret)
		ret = keys_from_skeyseed(sa, skeyseed, sa->suite.prf->len);
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	return ret;
}

int ike_sa_derive_rekey(struct ike_sa *new, const struct ike_sa *old,
			const uint8_t *gir, size_t gir_len)
{
	struct ike_nonces n = { new->ni, new->ni_len, new->nr, new->nr_len };
	uint8_t skeyseed[IKE_PRF_MAX_LEN];
	int ret;

	/* The exchange belongs to the old SA: its PRF makes SKEYSEED. */
	ret = ike_skeyseed_rekey(old->suite.prf, old->k.d, old->k.d_len, gir,
				 gir_len, &n, skeyseed);
	if (!ret)
		ret = keys_from_skeyseed(new, skeyseed, old->suite.prf->len);
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	return ret;
}

static void dir(const struct ike_sa *sa, bool from_initiator,
		struct ike_sk_dir *d)
{
	d->encr = sa->suite.encr;
	d->integ = sa->suite.integ;
	d->ekey = from_initiator ? sa->k.ei : sa->k.er;
	d->akey = from_initiator ? sa->k.ai : sa->k.ar;
}

void ike_sa_dir_out(const struct ike_sa *sa, struct ike_sk_dir *d)
{
	dir(sa, sa->initiator, d);
}

void ike_sa_dir_in(const struct ike_sa *sa, struct ike_sk_dir *d)
{
	dir(sa, !sa->initiator, d);
}

int child_sa_derive(const struct ike_sa *sa, struct child_sa *c,
		    const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		    size_t nr_len, const uint8_t *gir, size_t gir_len)
{
	struct ike_nonces n = { ni, ni_len, nr, nr_len };

	c->enc_len = ike_encr_keymat_len(c->suite.encr);
	c->integ_len = c->suite.integ ? c->suite.integ->key_len : 0;
	return ike_child_keymat(sa->suite.prf, sa->k.d, sa->k.d_len, gir,
				gir_len, &n, c->keymat,
				2 * (c->enc_len + c->integ_len));
}

void child_sa_keys(const struct child_sa *c, bool inbound,
		   const uint8_t **ekey, const uint8_t **akey)
{
	/* KEYMAT: the exchange initiator's outbound keys first (RFC 7296
	 * section 2.17).
	 */
	bool i2r = inbound != c->initiator;
	const uint8_t *base = c->keymat + (i2r ? 0 : c->enc_len + c->integ_len);

	*ekey = base;
	*akey = base + c->enc_len;
}

bool peer_id_eq(const uint8_t *a, uint16_t alen, const uint8_t *b,
		uint16_t blen)
{
	uint16_t i;

	if (!alen || alen != blen || a[0] != b[0])
		return false;
	if (a[0] != IKE_ID_FQDN && a[0] != IKE_ID_RFC822_ADDR)
		return !memcmp(a, b, alen);
	for (i = 1; i < alen; i++)
		if (tolower(a[i]) != tolower(b[i]))
			return false;
	return true;
}

struct ike_sa *ike_sa_by_id(struct ike_sa *list, uint32_t id)
{
	struct ike_sa *sa;

	for (sa = list; id && sa; sa = sa->next)
		if (sa->id == id && sa->state != IKE_S_DEAD)
			return sa;
	return NULL;
}
