/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IKEv2 wire constants (RFC 7296 section 3 and the IANA registries it
 * creates, plus RFC 5282, 7383, 7427, 7634, 5903, 8031 values).
 */
#ifndef IPSECMED_IKE_PROTO_H
#define IPSECMED_IKE_PROTO_H

#define IKE_HDR_LEN		28
#define IKE_GENERIC_HDR_LEN	4
#define IKE_SPI_LEN		8
#define IKE_VERSION		0x20	/* major 2, minor 0 */
#define IKE_MAX_MSG		65535	/* the header's length field bounds it */

/* Header flags (section 3.1). */
#define IKE_FLAG_INITIATOR	0x08
#define IKE_FLAG_VERSION	0x10
#define IKE_FLAG_RESPONSE	0x20

/* Exchange types. */
enum ike_exchange {
	IKE_SA_INIT = 34,
	IKE_AUTH = 35,
	IKE_CREATE_CHILD_SA = 36,
	IKE_INFORMATIONAL = 37,
};

/* Payload types; 0 ends a chain. */
enum ike_payload_type {
	IKE_PL_NONE = 0,
	IKE_PL_SA = 33,
	IKE_PL_KE = 34,
	IKE_PL_IDI = 35,
	IKE_PL_IDR = 36,
	IKE_PL_CERT = 37,
	IKE_PL_CERTREQ = 38,
	IKE_PL_AUTH = 39,
	IKE_PL_NONCE = 40,
	IKE_PL_NOTIFY = 41,
	IKE_PL_DELETE = 42,
	IKE_PL_VENDOR = 43,
	IKE_PL_TSI = 44,
	IKE_PL_TSR = 45,
	IKE_PL_SK = 46,
	IKE_PL_CP = 47,
	IKE_PL_EAP = 48,
	IKE_PL_SKF = 53,
};

#define IKE_PL_CRITICAL		0x80

/* Security protocol IDs (proposals, notifies, deletes). */
enum ike_protocol {
	IKE_PROTO_NONE = 0,
	IKE_PROTO_IKE = 1,
	IKE_PROTO_AH = 2,
	IKE_PROTO_ESP = 3,
};

/* Transform types and IDs. */
enum ike_transform_type {
	IKE_TRANS_ENCR = 1,
	IKE_TRANS_PRF = 2,
	IKE_TRANS_INTEG = 3,
	IKE_TRANS_DH = 4,
	IKE_TRANS_ESN = 5,
};

enum ike_encr_id {
	IKE_ENCR_AES_CBC = 12,
	IKE_ENCR_AES_GCM_16 = 20,
	IKE_ENCR_CHACHA20_POLY1305 = 28,
};

enum ike_prf_id {
	IKE_PRF_HMAC_SHA1 = 2,		/* only for the CAVP KDF test */
	IKE_PRF_HMAC_SHA2_256 = 5,
	IKE_PRF_HMAC_SHA2_384 = 6,
	IKE_PRF_HMAC_SHA2_512 = 7,
};

enum ike_integ_id {
	IKE_INTEG_NONE = 0,
	IKE_INTEG_HMAC_SHA2_256_128 = 12,
	IKE_INTEG_HMAC_SHA2_384_192 = 13,
	IKE_INTEG_HMAC_SHA2_512_256 = 14,
};

enum ike_dh_id {
	IKE_DH_NONE = 0,
	IKE_DH_MODP2048 = 14,
	IKE_DH_ECP256 = 19,
	IKE_DH_ECP384 = 20,
	IKE_DH_ECP521 = 21,
	IKE_DH_CURVE25519 = 31,
};

enum ike_esn_id {
	IKE_ESN_NO = 0,
	IKE_ESN_YES = 1,
};

#define IKE_ATTR_TV		0x8000
#define IKE_ATTR_KEY_LENGTH	14

/* ID types (section 3.5). */
enum ike_id_type {
	IKE_ID_IPV4_ADDR = 1,
	IKE_ID_FQDN = 2,
	IKE_ID_RFC822_ADDR = 3,
	IKE_ID_IPV6_ADDR = 5,
	IKE_ID_DER_ASN1_DN = 9,
	IKE_ID_DER_ASN1_GN = 10,
	IKE_ID_KEY_ID = 11,
};

/* Authentication methods. */
enum ike_auth_method {
	IKE_AUTH_RSA_SIG = 1,
	IKE_AUTH_PSK = 2,
	IKE_AUTH_DSS_SIG = 3,
	IKE_AUTH_DIGITAL_SIG = 14,	/* RFC 7427 */
};

/* Certificate encodings. */
#define IKE_CERT_X509_SIG	4
/* CERTREQ for X.509: SHA-1 hashes of the CAs' SubjectPublicKeyInfo. */
#define IKE_CERTREQ_HASH_LEN	20

/* Hash algorithms of RFC 7427 signatures (SIGNATURE_HASH_ALGORITHMS). */
enum ike_hash_id {
	IKE_HASH_SHA1 = 1,
	IKE_HASH_SHA2_256 = 2,
	IKE_HASH_SHA2_384 = 3,
	IKE_HASH_SHA2_512 = 4,
};

/* Traffic selector types. */
enum ike_ts_type {
	IKE_TS_IPV4_ADDR_RANGE = 7,
	IKE_TS_IPV6_ADDR_RANGE = 8,
};

/* Notify message types: errors below 16384, status at or above. */
enum ike_notify_type {
	IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD = 1,
	IKE_N_INVALID_IKE_SPI = 4,
	IKE_N_INVALID_MAJOR_VERSION = 5,
	IKE_N_INVALID_SYNTAX = 7,
	IKE_N_INVALID_MESSAGE_ID = 9,
	IKE_N_INVALID_SPI = 11,
	IKE_N_NO_PROPOSAL_CHOSEN = 14,
	IKE_N_INVALID_KE_PAYLOAD = 17,
	IKE_N_AUTHENTICATION_FAILED = 24,
	IKE_N_SINGLE_PAIR_REQUIRED = 34,
	IKE_N_NO_ADDITIONAL_SAS = 35,
	IKE_N_INTERNAL_ADDRESS_FAILURE = 36,
	IKE_N_FAILED_CP_REQUIRED = 37,
	IKE_N_TS_UNACCEPTABLE = 38,
	IKE_N_INVALID_SELECTORS = 39,
	IKE_N_TEMPORARY_FAILURE = 43,
	IKE_N_CHILD_SA_NOT_FOUND = 44,
	IKE_N_ERROR_MAX = 16383,
	IKE_N_INITIAL_CONTACT = 16384,
	IKE_N_SET_WINDOW_SIZE = 16385,
	IKE_N_ADDITIONAL_TS_POSSIBLE = 16386,
	IKE_N_IPCOMP_SUPPORTED = 16387,
	IKE_N_NAT_DETECTION_SOURCE_IP = 16388,
	IKE_N_NAT_DETECTION_DESTINATION_IP = 16389,
	IKE_N_COOKIE = 16390,
	IKE_N_USE_TRANSPORT_MODE = 16391,
	IKE_N_HTTP_CERT_LOOKUP_SUPPORTED = 16392,
	IKE_N_REKEY_SA = 16393,
	IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED = 16394,
	IKE_N_NON_FIRST_FRAGMENTS_ALSO = 16395,
	IKE_N_MOBIKE_SUPPORTED = 16396,
	IKE_N_IKEV2_FRAGMENTATION_SUPPORTED = 16430,
	IKE_N_SIGNATURE_HASH_ALGORITHMS = 16431,
};

#endif /* IPSECMED_IKE_PROTO_H */
