#!/bin/sh
# sslserver SIGHUP: the listener re-reads certificates, keys and CERTDIR; a
# connection open across the reload keeps working, new connections get the
# new certificate; a broken file keeps the old context with a warning;
# sessions survive a reload that changed no certificate.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 15
make_pki
sh "$HELPERS/pki-sni.sh" "$PKI" || diag "pki-sni.sh failed"

# prog: echoes lines until EOF or "quit"
cat > "$T/echo.sh" <<'X'
#!/bin/sh
while IFS= read -r l && [ "$l" != quit ]; do printf '%s\n' "$l"; done
X
chmod +x "$T/echo.sh"
sc() {
  _sc=$1; shift
  printf 'quit\n' | timeout -k 2 20 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$PKI/ca.pem" \
    -ign_eof "$@" > "$T/$_sc.sc" 2>&1
}
subject() { sed -n 's/^subject=//p' "$T/$1.sc" | head -n 1; }
# hup N: SIGHUP to the server, then wait for the Nth reload line (either kind)
hup() {
  signal_ours HUP "$SPID"
  _i=0
  while [ "$(count_lines "$T/r.log" 'TLS settings reloaded|reload failed')" -lt "$1" ] && [ $_i -lt 100 ]; do
    sleep 0.1; _i=$((_i + 1))
  done
}

mkdir "$T/live" "$T/sni"
cp "$PKI/ec.pem" "$T/live/cert.pem"; cp "$PKI/ec.key" "$T/live/key.pem"
cp "$PKI/sni/www-ec.pem" "$T/sni/"
SRV_ENV="CERTFILE=$T/live/cert.pem KEYFILE=$T/live/key.pem CERTDIR=$T/sni" \
  start_server r -v $NODNS 127.0.0.1 0 "$T/echo.sh"

# a connection that stays open across the reloads: echoes one line, waits
# for $T/go, echoes another
timeout -k 2 60 python3 -c '
import os, socket, ssl, sys, time
c = ssl.create_default_context(cafile=sys.argv[1])
s = c.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=30),
                  server_hostname="localhost")
def echo(line):
    s.sendall(line)
    got = b""
    while not got.endswith(b"\n"):
        b = s.recv(100)
        if not b: break
        got += b
    return got == line
a = echo(b"one\n")
open(sys.argv[3] + ".ready", "w").close()
for _ in range(400):
    if os.path.exists(sys.argv[3] + ".go"): break
    time.sleep(0.1)
b = echo(b"two\n")
print(dict(x[0] for x in s.getpeercert()["subject"])["organizationName"].replace(" ", "_"), a, b)
' "$PKI/ca.pem" "$PORT" "$T/held" > "$T/held.out" 2>&1 &
HELD=$!
track "$HELD"
wait_exists "$T/held.ready" 100; ok $? "a connection is open before the reload"

sc s1 -servername localhost -sess_out "$T/s1.sess"
hup 1
grep -q '^sslserver: TLS settings reloaded$' "$T/r.log"; ok $? "SIGHUP with the same files: 'TLS settings reloaded' (-v)"
sc s2 -servername localhost -sess_in "$T/s1.sess"
grep -q '^Reused, ' "$T/s2.sc"; ok $? "a session from before a reload that changed no certificate resumes"

# renewed certificate and key, and a new name in CERTDIR
cp "$PKI/rsa.pem" "$T/live/cert.pem.new" && mv "$T/live/cert.pem.new" "$T/live/cert.pem"
cp "$PKI/rsa.key" "$T/live/key.pem.new" && mv "$T/live/key.pem.new" "$T/live/key.pem"
cp "$PKI/sni/wild.pem" "$T/sni/"
hup 2
is "$(count_lines "$T/r.log" '^sslserver: TLS settings reloaded$')" 2 "SIGHUP with renewed files: reloaded"
sc n1 -servername localhost
is "$(subject n1)" "CN = localhost, O = ucspi-tls test rsa" "a new connection gets the new certificate"
sc n2 -servername a.example.net
is "$(subject n2)" "CN = wildcard, O = sni wild" "a certificate added to CERTDIR is served"
sc n3 -servername localhost -sess_in "$T/s1.sess"
grep -q '^New, ' "$T/n3.sc"; ok $? "a session made under the old certificate does not resume under the new one"
running "$SPID"; ok $? "the listener is still running"

# broken files: the old context stays
printf 'not a certificate\n' > "$T/live/cert.pem"
hup 3
like "$(grep 'reload failed' "$T/r.log")" \
  "^sslserver: warning: keeping the old TLS settings, reload failed: unable to load certificate: $T/live/cert\\.pem: no certificate found\$" \
  "SIGHUP with a broken certificate: a warning with the reason"
sc b1 -servername localhost
is "$(subject b1)" "CN = localhost, O = ucspi-tls test rsa" "broken certificate: the old one is still served"
cp "$PKI/rsa.pem" "$T/live/cert.pem"
printf 'bad\n' > "$T/sni/zz.pem"
hup 4
like "$(grep 'reload failed' "$T/r.log" | tail -n 1)" "reload failed: unable to load certificate: $T/sni/zz\\.pem" \
  "SIGHUP with a broken CERTDIR file: a warning naming it"
sc b2 -servername a.example.net
is "$(subject b2)" "CN = wildcard, O = sni wild" "broken CERTDIR file: the old CERTDIR still served"

# the held connection
touch "$T/held.go"
_i=0; while ours "$HELD" && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
read -r org one two < "$T/held.out"
is "$org" "ucspi-tls_test_ec" "the held connection had the certificate of its start (ucspi-tls test ec)"
is "$one $two" "True True" "the held connection echoed before and after the reloads"
sc last -servername localhost
grep -q '^Verify return code: 0 (ok)' "$T/last.sc"; ok $? "new connections verify after all that"
stop_server
done_testing
