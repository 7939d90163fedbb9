/* TLS protocol version names, as operators write them. */
#include <string.h>
#include <strings.h>

#include <openssl/ssl.h>

#include "tls_versions.h"

int tls_version_parse(const char *s) {
  static const struct {
    const char *name;
    int version;
  } v[] = {{"1.0", TLS1_VERSION}, {"1", TLS1_VERSION}, {"1.1", TLS1_1_VERSION},
           {"1.2", TLS1_2_VERSION}, {"1.3", TLS1_3_VERSION}};
  size_t k;
  if (!strncasecmp(s, "tlsv", 4)) s += 4;
  else if (!strncasecmp(s, "tls", 3)) s += 3;
  for (k = 0; k < sizeof v / sizeof v[0]; ++k)
    if (!strcmp(s, v[k].name)) return v[k].version;
  return 0;
}
