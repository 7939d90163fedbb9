#!/bin/sh
# sslserver: protocol versions (TLSMIN, TLSMAX, default 1.2-1.3), TLS 1.3
# suites apart from CIPHERS (CIPHERSUITES), the modern default cipher list,
# key-exchange groups (TLSGROUPS, X25519 first), signature algorithms
# (SIGALGS), the SSL_GROUP/SSL_TLS_SNI/SSL_SESSION_RESUMED variables and the
# -V tlsinfo line; bad values are fatal at start-up; rules may set them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 32
make_pki

# sc NAME ARGS...: openssl s_client against $PORT (prog prints its env and
# leaves); output in $T/NAME.sc, exit status in $?
sc() {
  _sc=$1; shift
  timeout -k 2 20 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$PKI/ca.pem" -ign_eof \
    "$@" < /dev/null > "$T/$_sc.sc" 2>&1
}
# val NAME VAR: VAR's value in the environment prog printed in $T/NAME.sc
val() { sed -n "s/^$2=//p" "$T/$1.sc" | head -n 1; }
# handshake_ok NAME: did the handshake of $T/NAME.sc succeed?
handshake_ok() { grep -q '^SSL_PROTOCOL=' "$T/$1.sc"; }

# --- defaults
start_server d -V $NODNS 127.0.0.1 0 "$PROGS/env.sh"
sc d13 -servername localhost
is "$(val d13 SSL_PROTOCOL)" "TLSv1.3" "default: TLS 1.3 for a TLS 1.3 client"
is "$(val d13 SSL_GROUP)" "x25519" "default: SSL_GROUP=x25519 for OpenSSL's default client"
is "$(val d13 SSL_TLS_SNI)" "localhost" "SSL_TLS_SNI: the name the client sent"
is "$(val d13 SSL_SESSION_RESUMED)" "Initial" "SSL_SESSION_RESUMED=Initial for a full handshake"
sc d12 -tls1_2 -noservername
is "$(val d12 SSL_PROTOCOL)" "TLSv1.2" "default: TLS 1.2 still accepted"
is "$(grep -c '^SSL_TLS_SNI=' "$T/d12.sc")" 0 "no SNI from the client: SSL_TLS_SNI unset"
sc d11 -tls1_1 -cipher 'DEFAULT@SECLEVEL=0'
handshake_ok d11; ok $((! $?)) "default: a TLS 1.1 client is refused"
sc cbc -tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384'
handshake_ok cbc; ok $((! $?)) "default cipher list: a CBC-only TLS 1.2 client is refused"
sc grp12 -tls1_2 -groups P-256:X25519
is "$(val grp12 SSL_GROUP)" "x25519" "default groups: X25519 preferred over a client's P-256 first (TLS 1.2)"
sc p384 -groups P-384
is "$(val p384 SSL_GROUP)" "secp384r1" "default groups: P-384 when the client offers only it"
wait_grep "$T/d.log" '^sslserver: tlsinfo [0-9]+ group:x25519 sni:localhost alpn:- session:new$' 50
ok $? "-V: 'tlsinfo PID group:x25519 sni:localhost alpn:- session:new'"
grep -Eq '^sslserver: tlsinfo [0-9]+ group:[^ ]+ sni:- alpn:- session:new$' "$T/d.log"
ok $? "-V: sni:- without SNI"
sc res1 -servername localhost -sess_out "$T/sess"
sc res2 -servername localhost -sess_in "$T/sess"
is "$(val res2 SSL_SESSION_RESUMED)" "Resumed" "SSL_SESSION_RESUMED=Resumed for a resumed session"
grep -q '^Reused, TLSv1.3' "$T/res2.sc"; ok $? "s_client -sess_in: the session was reused"
wait_grep "$T/d.log" '^sslserver: tlsinfo [0-9]+ group:x25519 sni:localhost alpn:- session:resumed$' 50
ok $? "-V: session:resumed"
stop_server

# --- versions
SRV_ENV="TLSMIN=1.3" start_server min $NODNS 127.0.0.1 0 "$PROGS/env.sh"
sc min12 -tls1_2
handshake_ok min12; ok $((! $?)) "TLSMIN=1.3: a TLS 1.2 client is refused"
sc min13
is "$(val min13 SSL_PROTOCOL)" "TLSv1.3" "TLSMIN=1.3: TLS 1.3 works"
stop_server
SRV_ENV="TLSMAX=TLSv1.2" start_server max $NODNS 127.0.0.1 0 "$PROGS/env.sh"
sc max
is "$(val max SSL_PROTOCOL)" "TLSv1.2" "TLSMAX=TLSv1.2: a TLS 1.3 client gets TLS 1.2"
stop_server

# --- cipher suites and lists
SRV_ENV="CIPHERSUITES=TLS_CHACHA20_POLY1305_SHA256" start_server cs $NODNS 127.0.0.1 0 "$PROGS/env.sh"
sc cs
is "$(val cs SSL_CIPHER)" "TLS_CHACHA20_POLY1305_SHA256" "CIPHERSUITES chooses the TLS 1.3 suite"
sc cs12 -tls1_2
is "$(val cs12 SSL_CIPHER)" "ECDHE-ECDSA-AES256-GCM-SHA384" "CIPHERSUITES leaves TLS 1.2 at the default list"
stop_server
SRV_ENV="CIPHERS=ECDHE-ECDSA-AES128-GCM-SHA256" start_server c12 $NODNS 127.0.0.1 0 "$PROGS/env.sh"
sc c12 -tls1_2
is "$(val c12 SSL_CIPHER)" "ECDHE-ECDSA-AES128-GCM-SHA256" "CIPHERS sets the TLS 1.2 list"
sc c13
is "$(val c13 SSL_CIPHER)" "TLS_AES_256_GCM_SHA384" "CIPHERS without TLS_ names leaves TLS 1.3 alone"
stop_server

# --- groups and signature algorithms
SRV_ENV="TLSGROUPS=P-384:P-256" start_server g $NODNS 127.0.0.1 0 "$PROGS/env.sh"
sc gx -groups X25519
handshake_ok gx; ok $((! $?)) "TLSGROUPS=P-384:P-256: an X25519-only client is refused"
sc g2 -groups X25519:P-256:P-384
is "$(val g2 SSL_GROUP)" "secp384r1" "TLSGROUPS: the server's first choice among the client's groups (a retry for P-384)"
stop_server
SRV_ENV="CERTFILE=$PKI/rsa.pem KEYFILE=$PKI/rsa.key SIGALGS=rsa_pss_rsae_sha512" \
  start_server sa $NODNS 127.0.0.1 0 "$PROGS/env.sh"
sc sa
grep -q 'Peer signing digest: SHA512' "$T/sa.sc" && grep -q 'Peer signature type: RSA-PSS' "$T/sa.sc"
ok $? "SIGALGS=rsa_pss_rsae_sha512: the server signs with RSA-PSS and SHA-512"
stop_server

# --- a rule sets them per client
printf '127.0.0.1:allow,TLSMAX="1.2",CIPHERS="ECDHE-ECDSA-CHACHA20-POLY1305"\n:allow\n' | mkrules "$T/r.cdb"
start_server rl -x "$T/r.cdb" $NODNS 127.0.0.1 0 "$PROGS/env.sh"
sc rl
is "$(val rl SSL_PROTOCOL):$(val rl SSL_CIPHER)" "TLSv1.2:ECDHE-ECDSA-CHACHA20-POLY1305" \
  "a rule's TLSMAX and CIPHERS apply to its clients"
stop_server

# --- bad values: fatal at start-up, nothing listens
bad() {  # bad NAME ENV ERE
  SRV_ENV="$2" start_server "$1" $NODNS 127.0.0.1 0 cat
  is "$PORT" "" "$2: sslserver does not start"
  like "$(cat "$T/$1.log")" "$3" "$2: the reason on stderr"
}
bad bmin "TLSMIN=1.7" '^sslserver: fatal: \(1[01][01]\) unknown TLS version in TLSMIN: 1\.7'
bad bord "TLSMIN=1.3 TLSMAX=1.2" '^sslserver: fatal: \(1[01][01]\) TLSMIN is above TLSMAX'
bad bgrp "TLSGROUPS=X25519:nosuchgroup" '^sslserver: fatal: \(1[01][01]\) unable to set key-exchange groups: X25519:nosuchgroup'
done_testing
