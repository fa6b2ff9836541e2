#ifndef GREENLANE_COPENSSL_SHIM_H
#define GREENLANE_COPENSSL_SHIM_H

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

// EVP_PKEY_KEYPAIR is a multi-line macro expression, which Swift does not import.
static inline int greenlane_evp_pkey_keypair_selection(void) {
    return EVP_PKEY_KEYPAIR;
}

static inline int greenlane_evp_pkey_public_selection(void) {
    return EVP_PKEY_PUBLIC_KEY;
}

// OSSL_PARAM_BLD keeps the key-name pointers it is given until OSSL_PARAM_BLD_to_param, so the names must
// have static storage; a temporary Swift-bridged C string would dangle.
static inline const char *greenlane_param_group_name(void) { return OSSL_PKEY_PARAM_GROUP_NAME; }
static inline const char *greenlane_param_private_key(void) { return OSSL_PKEY_PARAM_PRIV_KEY; }
static inline const char *greenlane_param_public_key(void) { return OSSL_PKEY_PARAM_PUB_KEY; }

#endif
