#!/bin/sh
# examples/https under Debian's daemontools, as the README sets it up: the
# run scripts as shipped, only env/ values written here (a free port, the
# test's certificate, ACCOUNT=nobody for the server and the log). The key is
# root's alone (0600 in a 0700 directory); the listener runs as nobody, and
# a renewal still takes effect with `svc -h` (the key keeper reads it). Then
# broken, missing and stormy renewals, a killed keeper, `svc -d` with a
# connection in flight, `svc -u`, and what multilog wrote.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
. "$(dirname "$0")/helpers/daemontools.sh"
plan 25
make_pki
S=$T/https
cp -R "$TOP/examples/https" "$S"
cp "$TOP/examples/tls-env-http" "$S/"
(cd "$S" && tcprules rules.cdb rules.tmp < rules.txt)
mkdir -m 700 "$T/keys"
cp "$PKI/ec.pem" "$T/keys/cert.pem"; cp "$PKI/ec.key" "$T/keys/key.pem"
chmod 600 "$T/keys/cert.pem" "$T/keys/key.pem"
svc_env "$S" CERTFILE "$T/keys/cert.pem" KEYFILE "$T/keys/key.pem" IP 127.0.0.1 \
  PORT "$(free_port)" CONCURRENCY 10 ACCOUNT nobody
PORT=$(cat "$S/env/PORT")
printf 'nobody\n' > "$S/log/env/ACCOUNT"
mkdir "$S/log/main" && chown nobody "$S/log/main"
LOG=$S/log/main/current
svc_start "$S"

OLD=$(openssl x509 -noout -serial -in "$PKI/ec.pem")
NEW=$(openssl x509 -noout -serial -in "$PKI/rsa.pem")

wait_up "$PORT"; ok $? "supervise starts the run script; the service answers"
is "$(serial)" "$OLD" "the first certificate is served"
LPID=$(svc_pid "$S")
is "$(ps -o user= -p "$LPID" | tr -d ' ')" nobody "the listener runs as nobody (-U, envuidgid)"
is "$(ps -o user= --ppid "$LPID" | tr -d ' ' | sort | tr '\n' ' ')" "root " \
  "beside it one child, the key keeper, as root"
sudo_cant=$(su -s /bin/sh nobody -c "cat '$T/keys/key.pem'" 2>&1 >/dev/null | head -n 1)
like "$sudo_cant" "Permission denied" "the key is unreadable to nobody"

held_start h1 "$PORT"
wait_exists "$T/h1.ready" 100; ok $? "a connection is open before the renewal"
# the renewal, as an ACME client does it: new files over the old ones
cp "$PKI/rsa.pem" "$T/keys/cert.pem.new" && mv "$T/keys/cert.pem.new" "$T/keys/cert.pem"
cp "$PKI/rsa.key" "$T/keys/key.pem.new" && mv "$T/keys/key.pem.new" "$T/keys/key.pem"
chmod 600 "$T/keys/cert.pem" "$T/keys/key.pem"
hup 1
is "$(count_lines "$LOG" 'sslserver: TLS settings reloaded$')" 1 "svc -h: 'TLS settings reloaded' in the log"
is "$(serial)" "$NEW" "svc -h: the next client gets the renewed certificate"
held_finish h1
is "$(cat "$T/h1.out")" "$(openssl x509 -noout -serial -in "$PKI/ec.pem") 200" \
  "the connection held across svc -h kept the old certificate and was answered"

# a broken renewal: a key that does not match
cp "$PKI/other.key" "$T/keys/key.pem"
hup 2
is "$(count_lines "$LOG" 'reload failed')" 1 "a key that does not match: one line"
like "$(grep 'reload failed' "$LOG")" \
  "sslserver: warning: keeping the old TLS settings, reload failed: key does not match certificate: $T/keys/cert\\.pem" \
  "the line says why"
is "$(serial)" "$NEW" "the certificate before the broken renewal is still served"

# files missing mid-renewal
rm "$T/keys/key.pem"
hup 3
like "$(grep 'reload failed' "$LOG" | tail -n 1)" \
  "reload failed: unable to load key: $T/keys/key\\.pem: No such file or directory" \
  "a key file missing: one line naming it"
cp "$PKI/rsa.key" "$T/keys/key.pem"

# a storm of SIGHUPs
i=0; while [ $i -lt 30 ]; do svc -h "$S"; i=$((i + 1)); done
wait_n "$LOG" 'TLS settings reloaded' 2
is "$(serial)" "$NEW" "30 SIGHUPs in a row: still serving"
is "$(ps -o pid= --ppid "$LPID" | wc -l | tr -d ' ')" 1 "still one key keeper"
is "$(svc_pid "$S")" "$LPID" "the same listener"

# the keeper killed: the listener goes on with what it has
kill -KILL "$(ps -o pid= --ppid "$LPID" | tr -d ' ')"
n=$(count_lines "$LOG" 'reload failed')
hup $((n + 1 + $(count_lines "$LOG" 'TLS settings reloaded')))
like "$(grep 'reload failed' "$LOG" | tail -n 1)" "reload failed: the key keeper is gone; restart the server to reload" \
  "keeper killed: svc -h logs one line"
is "$(serial)" "$NEW" "keeper killed: still serving the certificate it had"

# svc -d with a connection in flight, then svc -u
held_start h2 "$PORT"
wait_exists "$T/h2.ready" 100
svc -d "$S"
wait_down "$S"; ok $? "svc -d: supervise reports the service down"
refused "$PORT"; ok $? "svc -d: the port is closed"
held_finish h2
is "$(cat "$T/h2.out")" "$NEW 200" "svc -d: the connection in flight still finished"
svc -u "$S"
wait_up "$PORT"; ok $? "svc -u: the service answers again"
cp "$PKI/ec.pem" "$T/keys/cert.pem"; cp "$PKI/ec.key" "$T/keys/key.pem"
hup $(($(count_lines "$LOG" 'TLS settings reloaded|reload failed') + 1))
is "$(serial)" "$OLD" "after svc -u a new keeper: svc -h renews again"
like "$(head -n 1 "$LOG")" '^@4000[0-9a-f]{20} ' "multilog stamps the lines it receives (tai64n)"
KP=$(ps -o pid= --ppid "$(svc_pid "$S")" | tr -d ' ')
svc -d "$S"
wait_down "$S"
_i=0; while [ -n "$KP" ] && [ -d "/proc/$KP" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
ok "$([ -n "$KP" ] && [ ! -d "/proc/$KP" ]; echo $?)" "svc -d: the key keeper ends with the listener"

svc_stop "$S"
done_testing
