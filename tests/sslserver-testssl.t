#!/bin/sh
# sslserver's default TLS settings under testssl.sh (Debian's testssl.sh,
# installed by package/deps): protocols, cipher categories, forward
# secrecy, server preference and the known vulnerabilities, with an RSA
# certificate (the one more attacks apply to). Nothing weak may be offered
# and every finding must be OK or informational.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 8
make_pki
TESTSSL=$(command -v testssl || command -v testssl.sh)

SRV_ENV="CERTFILE=$PKI/rsa.pem KEYFILE=$PKI/rsa.key" start_server t -c 200 $NODNS 127.0.0.1 0 "$PROGS/http.sh"
if [ -n "$TESTSSL" ]; then
  timeout -k 5 240 "$TESTSSL" --quiet --color 0 --warnings off --ip one -p -s -f -P -U \
    --jsonfile "$T/testssl.json" "127.0.0.1:$PORT" > "$T/testssl.out" 2>&1
else
  diag "testssl.sh is not installed (package/deps installs it)"
fi
stop_server
[ -s "$T/testssl.json" ] || echo '[]' > "$T/testssl.json"

# q PYTHON-EXPRESSION: evaluated with f, the list of findings
q() {
  python3 -c 'import json, sys
f = json.load(open(sys.argv[1]))
by = {x["id"]: x for x in f}
print(eval(sys.argv[2]))' "$T/testssl.json" "$1"
}
n=$(q 'len(f)')
ok "$([ "$n" -ge 40 ]; echo $?)" "testssl.sh ran its checks ($n findings)"
is "$(q '" ".join(by.get(p, {}).get("finding", "?") for p in ("SSLv2", "SSLv3", "TLS1", "TLS1_1"))')" \
  "not offered not offered not offered not offered" "SSLv2, SSLv3, TLS 1.0 and 1.1 not offered"
is "$(q 'by.get("TLS1_2", {}).get("finding", "?") + "/" + by.get("TLS1_3", {}).get("finding", "?")')" \
  "offered/offered with final" "TLS 1.2 and 1.3 offered"
is "$(q '" ".join(sorted(x["id"] for x in f if x["id"].startswith("cipherlist_") and x["finding"] != "not offered"))')" \
  "cipherlist_STRONG" "of the cipher categories only STRONG is offered (no NULL, EXPORT, LOW, 3DES, AVERAGE)"
is "$(q 'by.get("PFS", {}).get("finding", "?") + "/" + by.get("cipher_order", {}).get("finding", "?")')" \
  "offered/server" "forward secrecy offered, the server's cipher order"
vulns="heartbleed CCS ticketbleed ROBOT secure_renego secure_client_renego CRIME_TLS POODLE_SSL fallback_SCSV SWEET32 FREAK DROWN LOGJAM BEAST LUCKY13 RC4"
bad=$(python3 -c 'import json, sys
by = {x["id"]: x for x in json.load(open(sys.argv[1]))}
print(" ".join(p for p in sys.argv[2].split() if by.get(p, {}).get("severity") != "OK"))' "$T/testssl.json" "$vulns")
is "$bad" "" "every vulnerability check OK: $vulns"
is "$(q '" ".join(x["id"] for x in f if x["severity"] not in ("OK", "INFO") and x["id"] != "engine_problem")')" "" \
  "no finding above INFO (testssl's own engine_problem note aside)"
like "$(q 'by.get("cipher_negotiated", {}).get("finding", "?")')" '^TLS_AES_256_GCM_SHA384, 253 bit ECDH \(X25519\)' \
  "default negotiation: TLS 1.3, AES-256-GCM, X25519"
done_testing
