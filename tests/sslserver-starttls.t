#!/bin/sh
# sslserver -n (UCSPI-TLS): prog starts at once with clear text on 0/1 and
# SSLCTLFD/SSLREADFD/SSLWRITEFD; 'Y' starts TLS and sends the variables back,
# 'y' starts TLS alone. A UCSPI-TLS SMTP and POP3 responder (tests/progs/
# starttls.py) driven by swaks --tls, openssl s_client -starttls smtp/pop3 and
# scripted clients: STARTTLS command injection (one write and two), clear text
# instead of a ClientHello, a client leaving during STARTTLS, a ClientHello
# without STARTTLS, prog writing garbage to the control socket, prog never
# sending 'y' (bounded by -w), client certificates over STARTTLS.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 43
make_pki
sh "$HELPERS/pki-clients.sh" "$PKI" || diag "pki-clients.sh failed"

STLS=$PROGS/starttls.py
sc() { timeout -k 2 30 python3 "$HELPERS/starttls-client.py" 127.0.0.1 "$PORT" "$@"; }
# s_client_smtp OUT [ARGS...]: openssl s_client -starttls smtp, sends EHLO and QUIT
s_client_smtp() {
  _o=$1; shift
  { printf 'EHLO sc\r\n'; wait_grep "$_o" '^250 8BITMIME' 100; printf 'QUIT\r\n'; wait_grep "$_o" '^221 ' 100; } |
    timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -starttls smtp -crlf -quiet \
      -CAfile "$PKI/ca.pem" -verify_return_error "$@" > "$_o" 2>"$_o.err"
}

# ---- the SMTP responder with 'Y' and -s
start_server smtp -v -V -n -s $NODNS 127.0.0.1 0 "$STLS" smtp "$T/smtp.prog"
timeout 30 swaks --server 127.0.0.1 --port "$PORT" --tls --to rcpt@example.org --from from@example.org \
  --helo swaks.test --timeout 20 > "$T/swaks.out" 2>&1
ok $? "swaks --tls delivers a message through STARTTLS"
like "$(cat "$T/swaks.out")" '<~ +250 2\.0\.0 ok: queued as tls' "swaks: the message went over TLS"
like "$(cat "$T/swaks.out")" '<- +220 2\.0\.0 Ready to start TLS' "swaks: STARTTLS answered in clear text"
like "$(grep '^fds' "$T/smtp.prog" | head -n 1)" '^fds 0 1 2 3 4 5$' "prog holds 0, 1, 2 and the three UCSPI-TLS descriptors only"
like "$(grep '^ctl' "$T/smtp.prog" | head -n 1)" '^ctl 3 4 5$' "SSLCTLFD=3 SSLREADFD=4 SSLWRITEFD=5"
like "$(cat "$T/smtp.prog")" 'env SSL_PROTOCOL=TLSv1\.[23]' "'Y': SSL_PROTOCOL comes back over the control socket"
like "$(cat "$T/smtp.prog")" 'env SSL_SERVER_S_DN_CN=localhost' "'Y' with -s: the certificate variables too"
like "$(cat "$T/smtp.prog")" 'env SSL_CLIENT_VERIFY=NONE' "'Y' with -s: SSL_CLIENT_VERIFY=NONE"
like "$(cat "$T/smtp.prog")" 'tls RCPT TO:<rcpt@example.org>' "prog reads the envelope from SSLREADFD"
wait_grep "$T/smtp.log" '^sslserver: tls [0-9]+ accept TLSv1\.[23]:' 50
ok $? "-V: the 'tls PID accept' line after STARTTLS"

: > "$T/smtp.prog"
s_client_smtp "$T/sc.out"
like "$(cat "$T/sc.out")" '^221 2\.0\.0 bye' "openssl s_client -starttls smtp: EHLO and QUIT inside TLS"
like "$(cat "$T/smtp.prog")" 'tls EHLO sc' "openssl s_client: prog saw EHLO over TLS"

# a session that never starts TLS: clear text both ways to the end
tlsc 127.0.0.1 "$PORT" --mode raw --send 'EHLO plain\r\nQUIT\r\n' > "$T/plain.out" 2>&1
like "$(cat "$T/plain.out")" '221 2\.0\.0 bye' "without STARTTLS, clear text flows both ways"

# STARTTLS injection: the bytes after STARTTLS never reach prog
: > "$T/smtp.prog"
sc inject > "$T/inj.out" 2>&1
like "$(tail -n 1 "$T/inj.out")" '^(handshake failed|eof)' "injection in one write: no TLS session"
wait_grep "$T/smtp.log" '^sslserver: error: \(100\) client sent data after the TLS start command from: 127\.0\.0\.1 for pid: [0-9]+$' 50
ok $? "injection in one write: the log line says so"
is "$(grep -c evil "$T/smtp.prog")" 0 "injection in one write: prog never saw the injected command"
: > "$T/smtp.prog"
sc inject2 > "$T/inj2.out" 2>&1
like "$(tail -n 1 "$T/inj2.out")" '^(handshake failed|eof)' "injection in a second write: no TLS session"
is "$(grep -c evil "$T/smtp.prog")" 0 "injection in a second write: prog never saw it"
sc plainafter > "$T/pa.out" 2>&1
like "$(tail -n 1 "$T/pa.out")" '^eof' "clear text instead of a ClientHello: the connection ends"
is "$(grep -c evil "$T/smtp.prog")" 0 "clear text instead of a ClientHello: prog never saw it"
wait_grep "$T/smtp.log" 'unable to accept TLS from: 127\.0\.0\.1 for pid: [0-9]+ wrong version number' 50
ok $? "clear text instead of a ClientHello: 'unable to accept TLS' line"

# the client leaves during STARTTLS
n=$(count_lines "$T/smtp.log" '^sslserver: ended by ')
sc leave > "$T/leave.out" 2>&1
wait_grep "$T/smtp.log" 'unable to accept TLS from: 127\.0\.0\.1 for pid: [0-9]+ (Connection reset|connection closed)' 50
ok $? "client leaving during STARTTLS: 'unable to accept TLS' line"
_i=0
while [ "$(count_lines "$T/smtp.log" '^sslserver: ended by ')" -le "$n" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
like "$(grep '^sslserver: ended by ' "$T/smtp.log" | tail -n 1)" 'status 28416$' \
  "client leaving during STARTTLS: prog is ended, the child exits 111"
sc good > "$T/good.out" 2>&1
like "$(cat "$T/good.out")" 'tls reply 221 ' "the server still serves after all that"
stop_server

# without -n: no UCSPI-TLS descriptors or variables
start_server plainenv $NODNS 127.0.0.1 0 "$PROGS/env.sh"
tlsc 127.0.0.1 "$PORT" > "$T/noctl.env" 2>&1
is "$(grep -c '^SSL\(CTL\|READ\|WRITE\)FD=' "$T/noctl.env")" 0 "without -n: no SSLCTLFD, SSLREADFD, SSLWRITEFD"
stop_server

# ---- 'y': TLS without the variables
start_server y -n $NODNS 127.0.0.1 0 "$STLS" smtp "$T/y.prog" --cmd y
sc good > "$T/y.out" 2>&1
like "$(cat "$T/y.out")" 'tls reply 221 ' "'y': STARTTLS works"
is "$(grep -c '^env ' "$T/y.prog")" 0 "'y': no variables over the control socket"
stop_server

# ---- prog writes garbage to the control socket
start_server garbage -n $NODNS 127.0.0.1 0 "$STLS" smtp "$T/garbage.prog" --cmd x
sc good > "$T/garbage.out" 2>&1
like "$(tail -n 1 "$T/garbage.out")" '^(handshake failed|eof)' "garbage on the control socket: no TLS"
wait_grep "$T/garbage.log" '^sslserver: error: \(111\) UCSPI-TLS: unknown command on the control socket for pid: [0-9]+$' 50
ok $? "garbage on the control socket: the log line says so"
stop_server

# ---- prog never sends 'y': -w bounds the wait
start_server never -v -n -w 2 $NODNS 127.0.0.1 0 "$STLS" smtp "$T/never.prog" --cmd none
sc good --timeout 20 > "$T/never.out" 2>&1
like "$(tail -n 1 "$T/never.out")" '^handshake failed' "prog never sends 'y': the client's handshake ends (not its own timeout)"
wait_grep "$T/never.log" '^sslserver: ended by [0-9]+ status' 100
ok $? "prog never sends 'y': the connection child ends"
# a ClientHello without STARTTLS is not passed to prog as clear text
sc hello --timeout 20 > "$T/hello.out" 2>&1
like "$(tail -n 1 "$T/hello.out")" '^eof' "a ClientHello without STARTTLS: held, then -w ends the connection"
is "$(grep -c '^plain ' "$T/never.prog")" 2 "a ClientHello without STARTTLS: prog got no bytes of it"
stop_server

# ---- POP3 STLS
start_server pop3 -n $NODNS 127.0.0.1 0 "$STLS" pop3 "$T/pop3.prog"
{ printf 'CAPA\r\n'; wait_grep "$T/pop.out" '^USER' 100; printf 'QUIT\r\n'; wait_grep "$T/pop.out" '^\+OK bye' 100; } |
  timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -starttls pop3 -crlf -quiet \
    -CAfile "$PKI/ca.pem" -verify_return_error > "$T/pop.out" 2>"$T/pop.err"
like "$(cat "$T/pop.out")" '^\+OK bye' "openssl s_client -starttls pop3: CAPA and QUIT inside TLS"
like "$(cat "$T/pop3.prog")" 'tls CAPA' "POP3: prog saw CAPA over TLS"
like "$(cat "$T/pop3.prog")" 'plain STLS' "POP3: STLS in clear text"
: > "$T/pop3.prog"
sc pop3inject > "$T/popinj.out" 2>&1
like "$(tail -n 1 "$T/popinj.out")" '^(handshake failed|eof)' "POP3 injection after STLS: no TLS session"
is "$(grep -c 'USER evil' "$T/pop3.prog")" 0 "POP3 injection after STLS: prog never saw USER evil"
stop_server

# ---- client certificates over STARTTLS
SRV_ENV="CCAFILE=$PKI/ca.pem" start_server cert -n -s -m $NODNS 127.0.0.1 0 "$STLS" smtp "$T/cert.prog"
s_client_smtp "$T/certsc.out" -cert "$PKI/client.pem" -key "$PKI/client.key"
like "$(cat "$T/certsc.out")" '^221 ' "-n -m: s_client -starttls smtp -cert gets through"
like "$(cat "$T/cert.prog")" 'env SSL_CLIENT_VERIFY=SUCCESS' "-n -m: SSL_CLIENT_VERIFY=SUCCESS over the control socket"
like "$(cat "$T/cert.prog")" 'env SSL_CLIENT_S_DN_CN=client\.test' "-n -s: SSL_CLIENT_S_DN_CN over the control socket"
: > "$T/cert.prog"
sc good > "$T/nocert.out" 2>&1
wait_grep "$T/cert.log" 'client certificate refused from: 127\.0\.0\.1 for pid: [0-9]+ no client certificate' 50
ok $? "-n -m without a certificate: refused with a log line"
is "$(grep -c '^tls ' "$T/cert.prog")" 0 "-n -m without a certificate: prog reads nothing over TLS"
stop_server
done_testing
