#!/bin/sh
# sslserver CRLFILE: client certificates checked against the CAs' revocation
# lists (the whole chain), with -m (refused) and without (the program sees
# FAILED:certificate revoked), from a rule, re-read on SIGHUP; a bad file
# is fatal at start-up.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 13
make_pki
sh "$HELPERS/pki-clients.sh" "$PKI" && sh "$HELPERS/pki-revocation.sh" "$PKI" || diag "PKI set-up failed"

ce() { _nm=$1; shift; tlsc 127.0.0.1 "$PORT" "$@" > "$T/$_nm.env" 2>"$T/$_nm.err"; }
v() { envval "$T/$1.env" "$2"; }
REFUSED='^sslserver: error: \(100\) client certificate refused from: 127\.0\.0\.1 for pid: [0-9]+ '

# -m: a revoked certificate is refused, others pass
SRV_ENV="CCAFILE=$PKI/ca.pem CRLFILE=$PKI/crl.pem" start_server m -v -m $NODNS 127.0.0.1 0 "$PROGS/env.sh"
ce revoked --cert "$PKI/client.pem" --key "$PKI/client.key"
is "$(cat "$T/revoked.env")" "" "-m, revoked certificate: no program"
wait_grep "$T/m.log" "${REFUSED}certificate revoked\$"
ok $? "-m, revoked certificate: refused, the line says revoked"
ce good --cert "$PKI/cnonly.pem" --key "$PKI/client.key"
is "$(v good SSL_CLIENT_VERIFY)" "SUCCESS" "-m, a certificate the CRL does not list: SUCCESS"
ce deep --cert "$PKI/deep-chain.pem" --key "$PKI/deep.key"
wait_grep "$T/m.log" "${REFUSED}unable to get certificate CRL\$"
ok $? "-m, a client under an intermediate CA without a CRL: refused (the whole chain is checked)"
stop_server

# optional: the program decides
SRV_ENV="CCAFILE=$PKI/ca.pem CRLFILE=$PKI/crl.pem" start_server o $NODNS 127.0.0.1 0 "$PROGS/env.sh"
ce orev --cert "$PKI/client.pem" --key "$PKI/client.key"
is "$(v orev SSL_CLIENT_VERIFY)" "FAILED:certificate revoked" "optional: SSL_CLIENT_VERIFY=FAILED:certificate revoked"
stop_server

# from a rule
printf '127.0.0.1:allow,CRLFILE="%s"\n:allow\n' "$PKI/crl.pem" | mkrules "$T/r.cdb"
SRV_ENV="CCAFILE=$PKI/ca.pem" start_server rl -m -x "$T/r.cdb" $NODNS 127.0.0.1 0 "$PROGS/env.sh"
ce rrev --cert "$PKI/client.pem" --key "$PKI/client.key"
is "$(cat "$T/rrev.env")" "" "a rule's CRLFILE: the revoked certificate is refused"
wait_grep "$T/rl.log" "${REFUSED}certificate revoked\$"
ok $? "a rule's CRLFILE: refused as revoked"
stop_server

# SIGHUP reads a new CRL
cp "$PKI/crl-empty.pem" "$T/live-crl.pem"
SRV_ENV="CCAFILE=$PKI/ca.pem CRLFILE=$T/live-crl.pem" start_server h -v -m $NODNS 127.0.0.1 0 "$PROGS/env.sh"
ce h1 --cert "$PKI/client.pem" --key "$PKI/client.key"
is "$(v h1 SSL_CLIENT_VERIFY)" "SUCCESS" "CRL revoking nothing: the certificate passes"
cp "$PKI/crl.pem" "$T/live-crl.pem"
signal_ours HUP "$SPID"
wait_grep "$T/h.log" '^sslserver: TLS settings reloaded$' 100
ok $? "SIGHUP: reloaded"
ce h2 --cert "$PKI/client.pem" --key "$PKI/client.key"
is "$(cat "$T/h2.env")" "" "after SIGHUP with a CRL that lists it: refused"
stop_server

# start-up errors
SRV_ENV="CCAFILE=$PKI/ca.pem CRLFILE=$PKI/ca.pem" start_server f1 -m $NODNS 127.0.0.1 0 cat
is "$PORT" "" "CRLFILE holding no CRL: sslserver does not start"
like "$(cat "$T/f1.log")" "^sslserver: fatal: \\(1[01][01]\\) unable to load CRL file: $PKI/ca\\.pem: no CRL found" \
  "CRLFILE holding no CRL: the reason"
SRV_ENV="CCAFILE=$PKI/ca.pem CRLFILE=$T/nonexistent" start_server f2 -m $NODNS 127.0.0.1 0 cat
like "$(cat "$T/f2.log")" "^sslserver: fatal: \\(1[01][01]\\) unable to load CRL file: $T/nonexistent: No such file" \
  "CRLFILE missing: fatal"
done_testing
