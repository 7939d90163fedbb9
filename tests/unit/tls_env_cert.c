/* tls_env_cert: the certificate variables (ucspi-ssl's formats, mod_ssl's
   names) from a certificate made here. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "rules_tap.h"
#include "tls_env_cert.h"

static stralloc env;

/* the value of NAME in env, or 0 */
static const char *get(const char *name) {
  size_t i, n = strlen(name);
  for (i = 0; i < env.len; i += strlen(env.s + i) + 1)
    if (!strncmp(env.s + i, name, n) && env.s[i + n] == '=') return env.s + i + n + 1;
  return 0;
}

static void is(const char *name, const char *want) {
  const char *got = get(name);
  char label[200];
  snprintf(label, sizeof label, "%s=%.*s", name, want ? (int)strcspn(want, "\n") : 7,
           want ? want : "(unset)");
  if (!want) {
    tap_ok(!got, label);
    return;
  }
  if (!got) {
    tap_ok(0, label);
    printf("#   %s is not set\n", name);
    return;
  }
  tap_is_str(got, strlen(got), want, label);
}

static void entry(X509_NAME *n, const char *field, const char *value) {
  X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8, (const unsigned char *)value, -1, -1, 0);
}

static X509 *make(EVP_PKEY *key, long version, const char *serialhex) {
  X509 *x = X509_new();
  BIGNUM *bn = 0;
  ASN1_INTEGER *serial;
  X509_NAME *subj = X509_NAME_new(), *iss = X509_NAME_new();

  X509_set_version(x, version);
  BN_hex2bn(&bn, serialhex);
  serial = BN_to_ASN1_INTEGER(bn, 0);
  X509_set_serialNumber(x, serial);
  ASN1_INTEGER_free(serial);
  BN_free(bn);
  entry(subj, "C", "DE");
  entry(subj, "ST", "Berlin");
  entry(subj, "L", "Kreuzberg");
  entry(subj, "O", "Example, Inc.");
  entry(subj, "OU", "Mail");
  entry(subj, "OU", "Ops");
  entry(subj, "OU", "Night shift");
  entry(subj, "CN", "J\xc3\xbcrgen M\xc3\xbcller");
  entry(subj, "title", "Postmaster");
  entry(subj, "initials", "JM");
  entry(subj, "GN", "J\xc3\xbcrgen");
  entry(subj, "SN", "M\xc3\xbcller");
  entry(subj, "description", "line1\nline2");
  entry(subj, "UID", "jm42");
  entry(subj, "emailAddress", "jm@example.org");
  entry(iss, "C", "DE");
  entry(iss, "O", "Test CA");
  entry(iss, "CN", "Test Root");
  X509_set_subject_name(x, subj);
  X509_set_issuer_name(x, iss);
  X509_NAME_free(subj);
  X509_NAME_free(iss);
  ASN1_TIME_set_string(X509_getm_notBefore(x), "20240301120000Z");
  ASN1_TIME_set_string(X509_getm_notAfter(x), "20341231235959Z");
  X509_set_pubkey(x, key);
  X509_sign(x, key, EVP_sha256());
  return x;
}

static char *pem(X509 *x) {
  BIO *b = BIO_new(BIO_s_mem());
  char *p, *s;
  long n;
  PEM_write_bio_X509(b, x);
  n = BIO_get_mem_data(b, &p);
  s = strndup(p, (size_t)n);
  BIO_free(b);
  return s;
}

int main(void) {
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509 *x, *y;
  STACK_OF(X509) *chain;
  char *px, *py;
  size_t i;
  int nuls = 0, names = 0;

  tap_plan(47);
  if (!key) {
    printf("Bail out! no key\n");
    return 1;
  }
  x = make(key, 2, "0123ABCDEF");
  tap_ok(tls_env_cert(&env, "SSL_CLIENT_", x), "tls_env_cert succeeds");
  is("SSL_CLIENT_M_VERSION", "3");
  is("SSL_CLIENT_M_SERIAL", "4893429231"); /* 0x0123ABCDEF, in decimal */
  is("SSL_CLIENT_S_DN",
     "/C=DE/ST=Berlin/L=Kreuzberg/O=Example, Inc./OU=Mail/OU=Ops/OU=Night shift"
     "/CN=J\\xC3\\xBCrgen M\\xC3\\xBCller/title=Postmaster/initials=JM/GN=J\\xC3\\xBCrgen"
     "/SN=M\\xC3\\xBCller/description=line1\\x0Aline2/UID=jm42"
     "/emailAddress=jm@example.org");
  is("SSL_CLIENT_S_DN_C", "DE");
  is("SSL_CLIENT_S_DN_ST", "Berlin");
  is("SSL_CLIENT_S_DN_L", "Kreuzberg");
  is("SSL_CLIENT_S_DN_O", "Example, Inc.");
  is("SSL_CLIENT_S_DN_OU", "Mail");
  is("SSL_CLIENT_S_DN_OU_1", "Ops");
  is("SSL_CLIENT_S_DN_OU_2", "Night shift");
  is("SSL_CLIENT_S_DN_OU_0", 0);
  is("SSL_CLIENT_S_DN_OU_3", 0);
  is("SSL_CLIENT_S_DN_CN", "J\xc3\xbcrgen M\xc3\xbcller");
  is("SSL_CLIENT_S_DN_T", "Postmaster");
  is("SSL_CLIENT_S_DN_I", "JM");
  is("SSL_CLIENT_S_DN_G", "J\xc3\xbcrgen");
  is("SSL_CLIENT_S_DN_S", "M\xc3\xbcller");
  is("SSL_CLIENT_S_DN_D", "line1\\0Aline2");
  is("SSL_CLIENT_S_DN_UID", "jm42");
  is("SSL_CLIENT_S_DN_Email", "jm@example.org");
  is("SSL_CLIENT_I_DN", "/C=DE/O=Test CA/CN=Test Root");
  is("SSL_CLIENT_I_DN_C", "DE");
  is("SSL_CLIENT_I_DN_O", "Test CA");
  is("SSL_CLIENT_I_DN_CN", "Test Root");
  is("SSL_CLIENT_I_DN_OU", 0);
  is("SSL_CLIENT_V_START", "Mar  1 12:00:00 2024 GMT");
  is("SSL_CLIENT_V_END", "Dec 31 23:59:59 2034 GMT");
  is("SSL_CLIENT_A_SIG", "ecdsa-with-SHA256");
  is("SSL_CLIENT_A_KEY", "id-ecPublicKey");
  px = pem(x);
  is("SSL_CLIENT_CERT", px);
  for (i = 0; i < env.len; ++i)
    if (!env.s[i]) ++nuls;
  for (i = 0; i < env.len; i += strlen(env.s + i) + 1)
    if (!strncmp(env.s + i, "SSL_CLIENT_", 11) && strchr(env.s + i, '=')) ++names;
  tap_ok(nuls == names && env.len && !env.s[env.len - 1], "every entry is NAME=value and NUL-terminated");

  /* a v1 certificate, a serial with the high bit set, the server prefix */
  env.len = 0;
  y = make(key, 0, "80FF");
  tap_ok(tls_env_cert(&env, "SSL_SERVER_", y), "tls_env_cert for SSL_SERVER_");
  is("SSL_SERVER_M_VERSION", "1");
  is("SSL_SERVER_M_SERIAL", "33023");
  is("SSL_SERVER_S_DN_OU_1", "Ops");
  is("SSL_CLIENT_S_DN", 0);

  /* DNFORMAT=rfc2253: mod_ssl's form, UTF-8 kept */
  env.len = 0;
  setenv("DNFORMAT", "rfc2253", 1);
  tap_ok(tls_env_cert(&env, "SSL_CLIENT_", x), "tls_env_cert with DNFORMAT=rfc2253");
  is("SSL_CLIENT_S_DN",
     "emailAddress=jm@example.org,UID=jm42,description=line1\\0Aline2,"
     "SN=M\xc3\xbcller,GN=J\xc3\xbcrgen,initials=JM,title=Postmaster,CN=J\xc3\xbcrgen M\xc3\xbcller,"
     "OU=Night shift,OU=Ops,OU=Mail,O=Example\\, Inc.,L=Kreuzberg,ST=Berlin,C=DE");
  is("SSL_CLIENT_I_DN", "CN=Test Root,O=Test CA,C=DE");
  unsetenv("DNFORMAT");

  /* the chain: the leaf is skipped, the rest numbered from 0 */
  env.len = 0;
  chain = sk_X509_new_null();
  sk_X509_push(chain, x);
  sk_X509_push(chain, y);
  sk_X509_push(chain, x);
  tap_ok(tls_env_cert_chain(&env, "SSL_CLIENT_", chain, y), "tls_env_cert_chain succeeds");
  is("SSL_CLIENT_CERT_CHAIN_0", px);
  py = pem(y);
  is("SSL_CLIENT_CERT_CHAIN_1", px);
  is("SSL_CLIENT_CERT_CHAIN_2", 0);
  env.len = 0;
  tap_ok(tls_env_cert_chain(&env, "SSL_CLIENT_", chain, 0), "a chain without a leaf to skip");
  is("SSL_CLIENT_CERT_CHAIN_1", py);
  env.len = 0;
  tap_ok(tls_env_cert_chain(&env, "SSL_CLIENT_", 0, 0) && env.len == 0, "no chain: nothing");

  sk_X509_free(chain);
  free(px);
  free(py);
  X509_free(x);
  X509_free(y);
  EVP_PKEY_free(key);
  stralloc_free(&env);
  return tap_done();
}
