#!/bin/sh
# sslclient's modern settings from the environment: SERVERNAME (SNI and the
# name verified), ALPN, TLSMIN/TLSMAX, SESSIONFILE (resumption across runs),
# OCSPSTATUS (the stapled status in SSL_OCSP_STATUS); against sslserver.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
. "$(dirname "$0")/helpers/sslclient.sh"
plan 19
make_pki
sh "$HELPERS/pki-sni.sh" "$PKI" && sh "$HELPERS/pki-revocation.sh" "$PKI" || diag "PKI set-up failed"

# the client's program: its own SSL_OCSP_STATUS, SSL_ALPN (with -s), then
# what the server's program (env.sh) sent
cat > "$T/cprog.sh" <<'X'
#!/bin/sh
echo "client: OCSP=${SSL_OCSP_STATUS-unset} ALPN=${SSL_ALPN-unset}"
cat <&6
X
chmod +x "$T/cprog.sh"
# cl NAME ENV... -- ARGS...: sslclient with env, output in $T/NAME.out, status in $T/NAME.rc
cl() {
  _cl=$1; shift
  _env=""
  while [ "$1" != -- ]; do _env="$_env $1"; shift; done
  shift
  # shellcheck disable=SC2086
  env $_env timeout -k 2 30 "$SSLCLIENT" -a "$PKI/ca.pem" "$@" "$T/cprog.sh" > "$T/$_cl.out" 2> "$T/$_cl.err"
  echo $? > "$T/$_cl.rc"
}
srv() { sed -n "s/^$2=//p" "$T/$1.out" | head -n 1; }
rc() { cat "$T/$1.rc"; }

cp "$PKI/ec.ocsp" "$T/live.ocsp"
SRV_ENV="CERTDIR=$PKI/sni ALPN=h2,http/1.1 OCSPFILE=$T/live.ocsp" start_server s $NODNS 127.0.0.1 0 "$PROGS/env.sh"

cl sn SERVERNAME=www.example.org -- 127.0.0.1 "$PORT"
is "$(rc sn):$(srv sn SSL_TLS_SNI)" "0:www.example.org" "SERVERNAME: sent as SNI to an address, and the certificate verifies for it"
cl sw SERVERNAME=shop.example.net -- 127.0.0.1 "$PORT"
is "$(rc sw)" "0" "SERVERNAME under a wildcard certificate verifies"
cl sx SERVERNAME=nosuch.example -- 127.0.0.1 "$PORT"
is "$(rc sx)" "110" "SERVERNAME the server has no certificate for: exit 110"
like "$(cat "$T/sx.err")" 'server hostname does not match certificate: nosuch\.example' "  and says which name did not match"
cl nosni -- 127.0.0.1 "$PORT"
is "$(rc nosni):$(srv nosni SSL_TLS_SNI)" "0:" "without SERVERNAME or -m: no SNI (as before)"

cl al ALPN=http/1.1,h2 -- -s 127.0.0.1 "$PORT"
is "$(srv al SSL_ALPN)" "h2" "ALPN: the server's choice among what the client offers"
like "$(cat "$T/al.out")" '^client: OCSP=unset ALPN=h2$' "ALPN: the client's program sees SSL_ALPN=h2 (-s)"
cl al1 ALPN=http/1.1 -- 127.0.0.1 "$PORT"
is "$(srv al1 SSL_ALPN)" "http/1.1" "ALPN=http/1.1: http/1.1"
cl alx ALPN=imap -- 127.0.0.1 "$PORT"
is "$(rc alx)" "111" "ALPN with nothing in common: the handshake fails (111)"

cl v12 TLSMAX=1.2 -- 127.0.0.1 "$PORT"
is "$(srv v12 SSL_PROTOCOL)" "TLSv1.2" "TLSMAX=1.2: TLS 1.2"
cl v13 TLSMIN=1.3 -- 127.0.0.1 "$PORT"
is "$(srv v13 SSL_PROTOCOL)" "TLSv1.3" "TLSMIN=1.3: TLS 1.3"
cl vbad TLSMIN=9 -- 127.0.0.1 "$PORT"
is "$(rc vbad)" "111" "TLSMIN=9: exit 111"
like "$(cat "$T/vbad.err")" 'unknown TLS version in TLSMIN: 9' "  with the reason"

cl r1 SESSIONFILE="$T/sess.pem" -- localhost "$PORT"
is "$(srv r1 SSL_SESSION_RESUMED):$(stat -c %a "$T/sess.pem" 2>/dev/null)" "Initial:600" \
  "SESSIONFILE: first run, a full handshake; the session saved with mode 0600"
cl r2 SESSIONFILE="$T/sess.pem" -- localhost "$PORT"
is "$(srv r2 SSL_SESSION_RESUMED)" "Resumed" "SESSIONFILE: the next run resumes"
cl r3 SESSIONFILE="$T/sess.pem" TLSMAX=1.2 -- localhost "$PORT"
cl r4 SESSIONFILE="$T/sess.pem" TLSMAX=1.2 -- localhost "$PORT"
is "$(srv r3 SSL_SESSION_RESUMED):$(srv r4 SSL_SESSION_RESUMED)" "Initial:Resumed" "SESSIONFILE with TLS 1.2: resumed on the second run"

cl o1 OCSPSTATUS=1 -- localhost "$PORT"
like "$(cat "$T/o1.out")" '^client: OCSP=good ' "OCSPSTATUS: SSL_OCSP_STATUS=good for a stapled good response"
cl o2 OCSPSTATUS=1 SERVERNAME=shop.example.net -- 127.0.0.1 "$PORT"
like "$(cat "$T/o2.out")" '^client: OCSP=none ' "OCSPSTATUS: none when the server staples nothing"
stop_server
SRV_ENV="OCSPFILE=$PKI/ec-revoked.ocsp" start_server rv $NODNS 127.0.0.1 0 "$PROGS/env.sh"
cl o3 OCSPSTATUS=1 -- localhost "$PORT"
like "$(cat "$T/o3.out")" '^client: OCSP=revoked ' "OCSPSTATUS: revoked, and the program decides"
stop_server
done_testing
