#!/bin/sh
# examples/smtps under daemontools: the run scripts as shipped, env/ values
# pointing at a qmail home in the test's directory (control/me,
# control/servercert.pem readable by root only, and a stand-in for
# qmail-smtpd that greets and answers QUIT), SMTPDUSER and the log's
# ACCOUNT nobody. A renewed servercert.pem is served after `svc -h`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
. "$(dirname "$0")/helpers/daemontools.sh"
if grep -q __asan_init "$BIN/sslserver"; then
  echo "1..0 # SKIP the run script's softlimit -m leaves AddressSanitizer no room"
  exit 0
fi
plan 10
make_pki
S=$T/smtps
Q=$T/qmail
chmod 711 "$T" # the rules and qmail-smtpd are reached by absolute paths, as nobody
cp -R "$TOP/examples/smtps" "$S"
mkdir -p "$Q/bin" && mkdir -m 700 "$Q/control"
echo mail.example.test > "$Q/control/me"
cat "$PKI/ec.pem" "$PKI/ec.key" > "$Q/control/servercert.pem"
chmod 600 "$Q/control/servercert.pem"
cat > "$Q/bin/qmail-smtpd" <<'X'
#!/bin/sh
printf '220 %s ESMTP stand-in for %s\r\n' "$TCPLOCALHOST" "$TCPREMOTEIP"
while IFS= read -r l; do
  case $l in QUIT*|quit*) printf '221 bye\r\n'; exit 0 ;; *) printf '250 ok\r\n' ;; esac
done
X
chmod 755 "$Q/bin/qmail-smtpd"
(cd "$S" && tcprules "$T/tcp.smtp.cdb" "$T/tcp.smtp.tmp" < tcp.smtp)
svc_env "$S" QMAIL "$Q" RULES "$T/tcp.smtp.cdb" IP 127.0.0.1 PORT "$(free_port)" SMTPDUSER nobody
svc_env "$S/log" ACCOUNT nobody
PORT=$(cat "$S/env/PORT")
mkdir "$S/log/main" && chown nobody "$S/log/main"
LOG=$S/log/main/current
svc_start "$S"

smtp() {  # the greeting and the answer to QUIT over TLS
  printf 'QUIT\r\n' | timeout -k 2 20 openssl s_client -quiet -connect "127.0.0.1:$PORT" \
    -CAfile "$PKI/ca.pem" 2>/dev/null | tr -d '\r' | tr '\n' '|'
}

wait_up "$PORT"; ok $? "supervise starts smtps/run; the service answers"
is "$(smtp)" "220 mail.example.test ESMTP stand-in for 127.0.0.1|221 bye|" \
  "the stand-in qmail-smtpd greets with control/me and TCPREMOTEIP (-e) and answers QUIT"
LPID=$(svc_pid "$S")
is "$(ps -o user= -p "$LPID" | tr -d ' ')" nobody "the listener runs as SMTPDUSER (-u, -g)"
is "$(serial)" "$(openssl x509 -noout -serial -in "$PKI/ec.pem")" "servercert.pem's certificate is served"

cat "$PKI/rsa.pem" "$PKI/rsa.key" > "$Q/control/servercert.pem"
hup 1
is "$(serial)" "$(openssl x509 -noout -serial -in "$PKI/rsa.pem")" "svc -h: the renewed servercert.pem is served"
cat "$PKI/rsa.pem" "$PKI/other.key" > "$Q/control/servercert.pem"
hup 2
is "$(count_lines "$LOG" 'keeping the old TLS settings, reload failed: key does not match')" 1 \
  "a servercert.pem whose key does not match: one line"
is "$(serial)" "$(openssl x509 -noout -serial -in "$PKI/rsa.pem")" "... and the renewed certificate still served"

cat "$PKI/rsa.pem" "$PKI/rsa.key" > "$Q/control/servercert.pem"
svc -d "$S"
wait_down "$S"; ok $? "svc -d: down"
svc -u "$S"
wait_up "$PORT"; ok $? "svc -u: up again"
like "$(grep -c 'sslserver: ' "$LOG")" '^[1-9]' "multilog has sslserver's lines"
svc_stop "$S"
done_testing
