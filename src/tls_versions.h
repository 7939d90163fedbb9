#ifndef TLS_VERSIONS_H
#define TLS_VERSIONS_H
/* Protocol versions by name: "1.2", "TLSv1.2", "tls1.2" (1.0 to 1.3). */

/* OpenSSL's version number for s, or 0 when s names none. */
int tls_version_parse(const char *s);

#endif
