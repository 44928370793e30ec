// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <strings.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "ipsecmed/auth.h"
#include "ipsecmed/cert.h"

int id_encode(const struct conf_id *id, const struct ipsec_addr *host,
	      uint8_t *type, uint8_t *buf)
{
	const struct ipsec_addr *a = host;
	size_t len;

	switch (id->type) {
	case CONF_ID_FQDN:
	case CONF_ID_RFC822:
		len = strlen(id->text);
		if (len > ID_MAX)
			return -1;
		*type = id->type == CONF_ID_FQDN ? IKE_ID_FQDN :
						   IKE_ID_RFC822_ADDR;
		memcpy(buf, id->text, len);
		return (int)len;
	case CONF_ID_IPV4:
	case CONF_ID_IPV6:
		a = &id->addr;
		/* fall through */
	case CONF_ID_NONE:
		if (!a)
			return -1;
		*type = a->family == AF_INET ? IKE_ID_IPV4_ADDR :
					       IKE_ID_IPV6_ADDR;
		len = ipsec_addr_len(a->family);
		memcpy(buf, a->family == AF_INET ? (const void *)&a->v4 :
		       (const void *)&a->v6, len);
		return (int)len;
	case CONF_ID_DN:
		*type = IKE_ID_DER_ASN1_DN;
		return dn_encode(id->text, buf, ID_MAX);
	}
	return -1;
}

bool id_match(const struct conf_id *want, const struct ike_id *got)
{
	size_t len;

	switch (want->type) {
	case CONF_ID_NONE:
		return true;
	case CONF_ID_FQDN:
	case CONF_ID_RFC822:
		len = strlen(want->text);
		return got->type == (want->type == CONF_ID_FQDN ?
				     IKE_ID_FQDN : IKE_ID_RFC822_ADDR) &&
		       got->len == len &&
		       !strncasecmp((const char *)got->data, want->text, len);
	case CONF_ID_IPV4:
		return got->type == IKE_ID_IPV4_ADDR && got->len == 4 &&
		       !memcmp(got->data, &want->addr.v4, 4);
	case CONF_ID_IPV6:
		return got->type == IKE_ID_IPV6_ADDR && got->len == 16 &&
		       !memcmp(got->data, &want->addr.v6, 16);
	case CONF_ID_DN: {
		uint8_t der[ID_MAX];
		int n = dn_encode(want->text, der, sizeof(der));

		return got->type == IKE_ID_DER_ASN1_DN && n > 0 &&
		       dn_equal(der, (size_t)n, got->data, got->len);
	}
	}
	return false;
}

/* Printable ASCII stays, anything else and the backslash become \xHH:
 * a peer's ID goes into the log, "ipsecme status" and its JSON, and
 * must not bring control characters (a terminal's escape sequences, a
 * forged log line after a newline) along.
 */
static void id_escape(const char *in, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 5 <= cap; i++) {
		unsigned char ch = (unsigned char)in[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", ch);
	}
	if (cap)
		out[o < cap ? o : cap - 1] = '\0';
}

static void prefixed(char *buf, size_t len, const char *prefix,
		     const char *in, size_t n)
{
	int p = snprintf(buf, len, "%s", prefix);

	if (p >= 0 && (size_t)p < len)
		id_escape(in, n, buf + p, len - (size_t)p);
}

void id_str(const struct ike_id *id, char *buf, size_t len)
{
	struct ipsec_addr a = { 0 };
	char tmp[IPSEC_ADDR_STRLEN], tmp2[CONF_ID_MAX];

	switch (id->type) {
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
		prefixed(buf, len, id->type == IKE_ID_FQDN ? "fqdn:" :
			 "email:", (const char *)id->data, id->len);
		return;
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		a.family = id->type == IKE_ID_IPV4_ADDR ? AF_INET : AF_INET6;
		if (id->len == ipsec_addr_len(a.family)) {
			memcpy(a.family == AF_INET ? (void *)&a.v4 :
			       (void *)&a.v6, id->data, id->len);
			snprintf(buf, len, "%s", ipsec_addr_fmt(&a, tmp,
								sizeof(tmp)));
			return;
		}
		break;
	case IKE_ID_DER_ASN1_DN:
		dn_str(id->data, id->len, tmp2, sizeof(tmp2));
		prefixed(buf, len, "dn:", tmp2, strlen(tmp2));
		return;
	}
	snprintf(buf, len, "type%u:(%u bytes)", id->type, id->len);
}

/* <SignedOctets> of one side (RFC 7296 2.15): its IKE_SA_INIT message,
 * the other side's nonce, and prf(SK_p, ID body) written to @maced_id.
 */
static int signed_octets(const struct ike_sa *sa, bool of_initiator,
			 const uint8_t *id, size_t id_len, uint8_t *maced_id,
			 struct ike_iov *octets)
{
	const struct ike_prf *prf = sa->suite.prf;
	struct ike_iov idv = { id, id_len };

	octets[0] = of_initiator ?
		(struct ike_iov){ sa->msg1, sa->msg1_len } :
		(struct ike_iov){ sa->msg2, sa->msg2_len };
	octets[1] = of_initiator ? (struct ike_iov){ sa->nr, sa->nr_len } :
				   (struct ike_iov){ sa->ni, sa->ni_len };
	octets[2] = (struct ike_iov){ maced_id, prf->len };
	return ike_prf_calc(prf, of_initiator ? sa->k.pi : sa->k.pr,
			    sa->k.p_len, &idv, 1, maced_id);
}

int auth_psk(const struct ike_sa *sa, bool of_initiator, const uint8_t *psk,
	     size_t psk_len, const uint8_t *id, size_t id_len, uint8_t *out)
{
	static const char pad[] = "Key Pad for IKEv2";
	const struct ike_prf *prf = sa->suite.prf;
	uint8_t key[IKE_PRF_MAX_LEN], maced_id[IKE_PRF_MAX_LEN];
	struct ike_iov iov = { pad, sizeof(pad) - 1 };
	struct ike_iov octets[3];
	int ret;

	ret = signed_octets(sa, of_initiator, id, id_len, maced_id, octets);
	if (!ret)
		ret = ike_prf_calc(prf, psk, psk_len, &iov, 1, key);
	if (!ret)
		ret = ike_prf_calc(prf, key, prf->len, octets, 3, out);
	OPENSSL_cleanse(key, sizeof(key));
	return ret ? -1 : (int)prf->len;
}

int auth_sign(const struct ike_sa *sa, EVP_PKEY *key, uint16_t hash,
	      const uint8_t *id, size_t id_len, uint8_t *out, size_t cap)
{
	uint8_t maced_id[IKE_PRF_MAX_LEN];
	struct ike_iov octets[3];

	if (signed_octets(sa, sa->initiator, id, id_len, maced_id, octets))
		return -1;
	return ike_sig_sign(key, hash, false, octets, 3, out, cap);
}

int auth_verify(const struct ike_sa *sa, EVP_PKEY *key, const uint8_t *auth,
		size_t len, const uint8_t *id, size_t id_len,
		struct ike_sig_info *info, const char **why)
{
	uint8_t maced_id[IKE_PRF_MAX_LEN];
	struct ike_iov octets[3];

	if (signed_octets(sa, !sa->initiator, id, id_len, maced_id,
			  octets)) {
		*why = "cannot compute the signed octets";
		return -1;
	}
	return ike_sig_verify(key, IKE_SIG_HASHES, auth, len, octets, 3,
			      info, why);
}
