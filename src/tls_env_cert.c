/* mod_ssl's certificate variables from an X509. */
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/bio.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <libowfat/fmt.h>

#include "tls_env_cert.h"

/* the short names of the DN components ucspi-ssl and mod_ssl export; UID
   is userId ("UID=" in a DN), as in mod_ssl 2.4 (ucspi-ssl reads
   x500UniqueIdentifier, a bit string hardly any certificate carries) */
static const struct {
  const char *name;
  int nid;
} components[] = {
  {"C", NID_countryName},   {"ST", NID_stateOrProvinceName},
  {"L", NID_localityName},  {"O", NID_organizationName},
  {"OU", NID_organizationalUnitName}, {"CN", NID_commonName},
  {"T", NID_title},         {"I", NID_initials},
  {"G", NID_givenName},     {"S", NID_surname},
  {"D", NID_description},   {"UID", NID_userId},
  {"Email", NID_pkcs9_emailAddress},
};

/* NAME=value\0 with name = prefix part [suffix]; a NUL inside value would
   cut the list short, so it becomes '?' (the printers escape it anyway). */
static int add(stralloc *env, const char *prefix, const char *part, const char *suffix,
               const char *value, size_t len) {
  size_t i, start;
  if (!stralloc_cats(env, prefix) || !stralloc_cats(env, part)) return 0;
  if (suffix && !stralloc_cats(env, suffix)) return 0;
  if (!stralloc_cats(env, "=")) return 0;
  start = env->len;
  if (!stralloc_catb(env, value, len)) return 0;
  for (i = start; i < env->len; ++i)
    if (!env->s[i]) env->s[i] = '?';
  return stralloc_0(env);
}

/* appends what a BIO printer wrote; ok is the printer's own success */
static int add_bio(stralloc *env, const char *prefix, const char *part, const char *suffix,
                   BIO *b, int ok) {
  char *p;
  long n = BIO_get_mem_data(b, &p);
  int r;
  if (!ok || n < 0) n = 0;
  r = add(env, prefix, part, suffix, n ? p : "", (size_t)n);
  (void)BIO_reset(b);
  return r;
}

/* DNFORMAT=rfc2253 asks for mod_ssl's form (most specific first, UTF-8
   kept as is) instead of ucspi-ssl's "/C=../CN=.." one-line form */
static int rfc2253(void) {
  const char *f = getenv("DNFORMAT");
  return f && !strcmp(f, "rfc2253");
}

static int add_dn(stralloc *env, const char *prefix, const char *part, const X509_NAME *name,
                  BIO *b) {
  char *s;
  int r;
  if (rfc2253()) {
    r = X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    return add_bio(env, prefix, part, 0, b, r >= 0);
  }
  s = X509_NAME_oneline(name, 0, 0);
  if (!s) return 0;
  r = add(env, prefix, part, 0, s, strlen(s));
  OPENSSL_free(s);
  return r;
}

/* the serial number in decimal, as ucspi-ssl gives it */
static int add_serial(stralloc *env, const char *prefix, X509 *cert) {
  BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), 0);
  char *s = bn ? BN_bn2dec(bn) : 0;
  int r = s && add(env, prefix, "M_SERIAL", 0, s, strlen(s));
  OPENSSL_free(s);
  BN_free(bn);
  return r;
}

static int add_name(stralloc *env, const char *prefix, const char *part, const X509_NAME *name,
                    BIO *b) {
  size_t k;
  int r;
  if (!add_dn(env, prefix, part, name, b)) return 0;
  for (k = 0; k < sizeof components / sizeof components[0]; ++k) {
    int i = -1, count = 0;
    while ((i = X509_NAME_get_index_by_NID(name, components[k].nid, i)) >= 0) {
      X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
      char sub[1 + 8 + 1 + FMT_ULONG];
      size_t n = 0;
      sub[n++] = '_';
      n += fmt_str(sub + n, components[k].name);
      if (count) {
        sub[n++] = '_';
        n += fmt_ulong(sub + n, (unsigned long)count);
      }
      sub[n] = 0;
      r = ASN1_STRING_print_ex(b, X509_NAME_ENTRY_get_data(e),
                               ASN1_STRFLGS_ESC_CTRL | ASN1_STRFLGS_UTF8_CONVERT);
      if (!add_bio(env, prefix, part, sub, b, r >= 0)) return 0;
      ++count;
    }
  }
  return 1;
}

static const char *alg_name(int nid) {
  return nid == NID_undef ? "UNKNOWN" : OBJ_nid2ln(nid);
}

static int add_pem(stralloc *env, const char *prefix, const char *part, X509 *cert, BIO *b) {
  return add_bio(env, prefix, part, 0, b, PEM_write_bio_X509(b, cert) == 1);
}

int tls_env_cert(stralloc *env, const char *prefix, X509 *cert) {
  char num[FMT_ULONG];
  const X509_ALGOR *sig;
  const ASN1_OBJECT *obj;
  ASN1_OBJECT *keyobj = 0;
  X509_PUBKEY *pub;
  const char *s;
  BIO *b = BIO_new(BIO_s_mem());
  int ok = 0;

  if (!b) return 0;
  if (!add(env, prefix, "M_VERSION", 0, num, fmt_ulong(num, (unsigned long)X509_get_version(cert) + 1)))
    goto done;
  if (!add_serial(env, prefix, cert)) goto done;
  if (!add_name(env, prefix, "S_DN", X509_get_subject_name(cert), b)) goto done;
  if (!add_name(env, prefix, "I_DN", X509_get_issuer_name(cert), b)) goto done;
  if (!add_bio(env, prefix, "V_START", 0, b, ASN1_TIME_print(b, X509_get0_notBefore(cert)) == 1))
    goto done;
  if (!add_bio(env, prefix, "V_END", 0, b, ASN1_TIME_print(b, X509_get0_notAfter(cert)) == 1))
    goto done;
  sig = X509_get0_tbs_sigalg(cert);
  X509_ALGOR_get0(&obj, 0, 0, sig);
  s = alg_name(OBJ_obj2nid(obj));
  if (!add(env, prefix, "A_SIG", 0, s, strlen(s))) goto done;
  pub = X509_get_X509_PUBKEY(cert);
  if (pub) X509_PUBKEY_get0_param(&keyobj, 0, 0, 0, pub);
  s = alg_name(keyobj ? OBJ_obj2nid(keyobj) : NID_undef);
  if (!add(env, prefix, "A_KEY", 0, s, strlen(s))) goto done;
  if (!add_pem(env, prefix, "CERT", cert, b)) goto done;
  ok = 1;
done:
  BIO_free(b);
  return ok;
}

int tls_env_cert_chain(stralloc *env, const char *prefix, STACK_OF(X509) *chain, X509 *skip) {
  char part[16 + FMT_ULONG];
  BIO *b;
  int i, n = 0, ok = 1;
  if (!chain) return 1;
  b = BIO_new(BIO_s_mem());
  if (!b) return 0;
  for (i = 0; ok && i < sk_X509_num(chain); ++i) {
    X509 *x = sk_X509_value(chain, i);
    if (skip && !X509_cmp(x, skip)) continue;
    part[fmt_str(part, "CERT_CHAIN_") + fmt_ulong(part + 11, (unsigned long)n++)] = 0;
    ok = add_pem(env, prefix, part, x, b);
  }
  BIO_free(b);
  return ok;
}
