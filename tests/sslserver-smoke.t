#!/bin/sh
# sslserver smoke test: a line echoed through /bin/cat over TLS with python3's
# ssl module, the -v log lines of one connection, and a -y deny that costs no
# handshake and no program start.
. "$(dirname "$0")/lib.sh"
plan 9

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null

# client HOST PORT: send one line, print what comes back (or the error)
client() {
  timeout 20 python3 - "$@" "$T/cert.pem" <<'PY'
import socket, ssl, sys
host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
try:
    with socket.create_connection((host, port), timeout=15) as s:
        with ctx.wrap_socket(s, server_hostname=host) as t:
            t.sendall(b"hello smoke\n")
            data = b""
            while not data.endswith(b"\n"):
                d = t.recv(100)
                if not d:
                    break
                data += d
            print(data.decode().strip(), t.version())
except Exception as e:
    print("error", type(e).__name__)
PY
}

# start NAME ARGS...: run sslserver in the background, learn its port
start() {
  name=$1; shift
  CERTFILE=$T/cert.pem KEYFILE=$T/key.pem "$BIN/sslserver" -1 "$@" \
    > "$T/$name.port" 2> "$T/$name.log" &
  pid=$!; track $pid
  wait_file "$T/$name.port" 100
  PORT=$(cat "$T/$name.port")
}

start echo -v -H -R -l 0 127.0.0.1 0 /bin/cat
like "$PORT" '^[0-9]+$' "-1 prints the port"
like "$(client 127.0.0.1 "$PORT")" '^hello smoke TLSv1\.[23]$' "a line comes back through cat over TLS"
_i=0; while ! grep -q '^sslserver: ended by ' "$T/echo.log" && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i+1)); done
log=$(cat "$T/echo.log")
like "$log" '^sslserver: status 0/40/0' "status line at start"
like "$log" 'sslserver: pid [0-9]+ from 127\.0\.0\.1' "pid line"
like "$log" 'sslserver: ok [0-9]+ 0:127\.0\.0\.1:[0-9]+ :127\.0\.0\.1::[0-9]+' "ok line"
like "$log" 'sslserver: ended by [0-9]+ status 0' "ended by ... status 0"
kill $pid

# -y deny: the rule file is made by our tcprules
printf '127.0.0.1:deny\n:allow\n' > "$T/rules.txt"
"$BIN/tcprules" "$T/rules.cdb" "$T/rules.tmp" < "$T/rules.txt"
start deny -v -H -R -l 0 -y "$T/rules.cdb" 127.0.0.1 0 sh -c 'echo started > "$0"' "$T/started"
like "$(client 127.0.0.1 "$PORT")" '^error' "a denied client gets no TLS session"
_i=0; while ! grep -q '^sslserver: ended by ' "$T/deny.log" && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i+1)); done
like "$(cat "$T/deny.log")" 'sslserver: deny [0-9]+ 0:127\.0\.0\.1:[0-9]+ :127\.0\.0\.1::[0-9]+' "deny line"
[ ! -e "$T/started" ]; ok $? "the program never started for the denied client"
kill $pid
done_testing
