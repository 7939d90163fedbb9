#!/bin/sh
# sslcat and sslconnect against test TLS servers: sslcat prints what the
# server sends byte for byte and verifies by default; sslconnect sends its
# input with CR before each LF, prints the server's bytes unchanged, and ends
# when the server is done even while its input stays open.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
. "$(dirname "$0")/helpers/sslclient.sh"
plan 14
make_client_pki
SSLCAT=$BIN/sslcat
SSLCONNECT=$BIN/sslconnect

head -c 2000000 /dev/urandom > "$T/blob"
want=$(sha256sum < "$T/blob" | cut -d' ' -f1)
start_server blob $NODNS 127.0.0.1 0 cat "$T/blob"
got=$(timeout 30 "$SSLCAT" 127.0.0.1 "$PORT" -a "$PKI/ca.pem" | sha256sum | cut -d' ' -f1)
is "$got" "$want" "sslcat prints 2 MB of binary data from the server unchanged"
timeout 30 "$SSLCAT" 127.0.0.1 "$PORT" -a "$PKI/otherca.pem" > "$T/none.out" 2> "$T/none.err"
is "$?" 110 "sslcat verifies the server by default: 110 for an unknown CA"
is "$(wc -c < "$T/none.out" | tr -d ' ')" 0 "and prints nothing"
stop_server

start_py banner --cert "$PKI/ec.pem" --key "$PKI/ec.key" --mode banner --text 'hello\r\nworld\n' --count 2
out=$(timeout 30 "$SSLCAT" localhost "$PYPORT" -a "$PKI/ca.pem" | od -c | tr -s ' ' | tr '\n' ' ')
like "$out" '^0000000 h e l l o \\r \\n w o r l d \\n' "sslcat keeps CRs"
CAFILE=$PKI/ca.pem timeout 30 "$SSLCAT" localhost "$PYPORT" > /dev/null
is "$?" 0 "sslcat takes CAFILE from the environment"
wait_py
like "$(grep '^sni=' "$T/banner.log" | sed -n 1p)" '^sni=localhost ' "sslcat sends SNI for a name"

out=$(timeout 30 "$SSLCAT" 127.0.0.1 1 2>&1)
is "$?:$out" "110:sslclient: drop: (110) unable to connect to: 127.0.0.1 port: 1" \
  "sslcat: a refused connection is sslclient's 110 and message"

# sslconnect: what the server receives, and what we get back
start_server sc $NODNS 127.0.0.1 0 sh -c 'printf "220 hi\r\n"; cat > "$1"; printf "221 bye\r\n"' sh "$T/sc.got"
printf 'EHLO x\nQUIT\nlast' > "$T/in.txt"
timeout 30 "$SSLCONNECT" 127.0.0.1 "$PORT" < "$T/in.txt" > "$T/sc.out"
is "$?" 0 "sslconnect ends with 0 after the server closes"
is "$(tr '\r\n' 'RN' < "$T/sc.out")" "220 hiRN221 byeRN" "the server's bytes arrive unchanged"
wait_file "$T/sc.got" 50
is "$(tr '\r\n' 'RN' < "$T/sc.got")" "EHLO xRNQUITRNlast" \
  "the server receives CR LF for each LF, a last line without LF as it is"
stop_server

# the server ends first while our input stays open: sslconnect ends too
start_server bye $NODNS 127.0.0.1 0 sh -c 'printf "bye\r\n"'
mkfifo "$T/fifo"
exec 8<>"$T/fifo"
timeout 30 "$SSLCONNECT" 127.0.0.1 "$PORT" < "$T/fifo" > "$T/bye.out" 2>&1 &
scpid=$!
_i=0
while running "$scpid" && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
running "$scpid"
is "$?" 1 "with its input still open, sslconnect ends when the server closes"
wait "$scpid"
is "$?" 0 "and exits 0"
is "$(tr -d '\r' < "$T/bye.out")" "bye" "after printing what the server said"
exec 8>&-
stop_server

# sslconnect does not verify unless asked (as ucspi-ssl's): 465 by default
out=$(timeout 30 "$SSLCONNECT" 127.0.0.1 < /dev/null 2>&1)
like "$out" 'port: 465$' "sslconnect's default port is 465"
done_testing
