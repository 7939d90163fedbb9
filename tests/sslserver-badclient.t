#!/bin/sh
# sslserver: clients that do not complete a handshake (plain-text garbage, a
# TLS 1.0-only client, one that leaves in the middle of the handshake) cost one
# log line and no program start, and the server goes on serving good clients.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 21
make_pki
M=$T/started; mkdir -p "$M"
started() { count_entries "$M"; }
L=$T/s.log

# logged N: wait (bounded) until the log has N lines, then a moment for extras
logged() {
  _i=0
  while [ "$(grep -c '' "$L")" -lt "$1" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
  sleep 0.3
  grep -c '' "$L"
}
good() {
  is "$(tlsc 127.0.0.1 "$PORT" --send "$1\n" --expect "$1\n")" "$1" "$2"
}
FAILLINE='^sslserver: error: (\(111\) )?unable to accept TLS from: 127\.0\.0\.1 for pid: [0-9]+ .+'

# default verbosity: only errors are logged, so each bad client should add one line
start_server s $NODNS 127.0.0.1 0 "$PROGS/marker.sh" "$M" cat
good first "a good client is served"
is "$(started)" 1 "its prog ran"

tlsc 127.0.0.1 "$PORT" --mode raw --send 'GET / HTTP/1.0\r\n\r\n' --timeout 15 > "$T/garbage.out" 2>&1
ok "$([ $? -ne 3 ]; echo $?)" "garbage instead of a ClientHello: the server closes"
is "$(logged 1)" 1 "garbage: one log line"
like "$(sed -n 1p "$L")" "$FAILLINE" "garbage: the 'unable to accept TLS' line"
is "$(started)" 1 "garbage: no prog"
good second "after garbage, a good client is served"

tlsc 127.0.0.1 "$PORT" --max 1.0 --send 'old\n' --expect 'old\n' > "$T/tls10.out" 2>&1
is "$?" 2 "a TLS 1.0-only client (python) fails the handshake"
is "$(logged 2)" 2 "TLS 1.0 (python): one log line"
like "$(sed -n 2p "$L")" "$FAILLINE" "TLS 1.0 (python): the 'unable to accept TLS' line"

echo | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -tls1 -cipher 'DEFAULT@SECLEVEL=0' \
  > "$T/sc10.out" 2>&1
st=$?
ok "$([ $st -ne 0 ] && [ $st -ne 124 ]; echo $?)" \
  "a TLS 1.0-only client (openssl s_client -tls1) fails the handshake (status $st)"
is "$(logged 3)" 3 "TLS 1.0 (s_client): one log line"
is "$(started)" 2 "TLS 1.0 clients: no prog"
good third "after TLS 1.0 clients, a good client is served"

tlsc 127.0.0.1 "$PORT" --mode hello --timeout 15 > "$T/hello.out" 2>&1
is "$?" 0 "a client sends a ClientHello, reads the answer and resets the connection"
is "$(logged 4)" 4 "mid-handshake reset: one log line"
like "$(sed -n 4p "$L")" "$FAILLINE" "mid-handshake reset: the 'unable to accept TLS' line"
is "$(started)" 3 "mid-handshake reset: no prog"
good fourth "after a mid-handshake reset, a good client is served"

# a client that connects and closes at once, without a byte
python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.close()' "$PORT"
good fifth "after a client that closed at once, a good client is served"
is "$(started)" 5 "in all, progs ran for the five good clients only"
stop_server
done_testing
