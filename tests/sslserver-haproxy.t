#!/bin/sh
# Scale-out behind HAProxy: Debian's haproxy in TCP mode on loopback sends
# PROXY v2 headers to two sslserver instances that share one TICKETKEYFILE
# and one rules CDB. A session issued by one instance resumes on the other;
# rules and MAXRATEIP see the client's address, not HAProxy's; stopping one
# instance loses no new connection (health checks, redispatch).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
if ! command -v haproxy >/dev/null 2>&1; then
  echo "1..0 # SKIP haproxy is not installed (package/deps installs it)"
  exit 0
fi
plan 13
make_pki

# the program says which instance served whom, and how
cat > "$T/who.sh" <<'P'
#!/bin/sh
echo "instance=$INSTANCE remote=$SSLREMOTEIP proxy=${SSLPROXYIP-none} resumed=$SSL_SESSION_RESUMED"
P
chmod 755 "$T/who.sh"

# shared rules: HAProxy's own address (127.0.0.1) is allowed, so a deny can
# only come from the client's address in the header
cat > "$T/rules.txt" <<'R'
127.0.0.3:deny
127.0.0.4:allow,MAXRATEIP="3/600"
:allow
R
mkrules "$T/rules.cdb" < "$T/rules.txt"; ok $? "the shared rules compile"
openssl rand 80 > "$T/tickets"

start_inst() {
  SRV_ENV="INSTANCE=$1 PROXYPROTOCOL=1 TICKETKEYFILE=$T/tickets" \
    start_server "$1" -v $NODNS -x "$T/rules.cdb" 127.0.0.1 0 "$T/who.sh"
}
start_inst A; PA=$PORT; PIDA=$SPID
start_inst B; PB=$PORT; PIDB=$SPID
[ -n "$PA" ] && [ -n "$PB" ]; ok $? "two sslserver instances with PROXYPROTOCOL=1 started"

# a free port for HAProxy's front end (it cannot report a port 0 bind)
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
start_haproxy() {
  FP=$(free_port)
  cat > "$T/haproxy.cfg" <<C
global
  maxconn 200
defaults
  mode tcp
  timeout connect 2s
  timeout client 20s
  timeout server 20s
  retries 3
  option redispatch 1
frontend fe
  bind 127.0.0.1:$FP
  default_backend be
backend be
  balance roundrobin
  server a 127.0.0.1:$PA send-proxy-v2 check inter 100ms fall 1 rise 2
  server b 127.0.0.1:$PB send-proxy-v2 check inter 100ms fall 1 rise 2
C
  haproxy -db -f "$T/haproxy.cfg" > "$T/haproxy.log" 2>&1 &
  HPID=$!
  track "$HPID"
  _i=0
  while [ $_i -lt 50 ]; do
    running "$HPID" || return 1
    python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1',$FP),1)" 2>/dev/null && return 0
    sleep 0.1; _i=$((_i + 1))
  done
  return 1
}
_try=0
until start_haproxy; do
  stop_server "${HPID:-}"
  _try=$((_try + 1)); [ $_try -lt 5 ] || break
done
running "$HPID"; ok $? "haproxy started in TCP mode with send-proxy-v2 to both instances"
# both servers up in HAProxy's view before the tests go on
sleep 0.5

# client: N connections from SRC, each printing the program's line; with
# --resume each offers the previous connection's session
cat > "$T/hc.py" <<'PY'
import os, socket, ssl, sys, time
host, port, src, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
resume = len(sys.argv) > 5 and sys.argv[5] == "--resume"
ctx = ssl.create_default_context(cafile=sys.argv[6] if len(sys.argv) > 6 else None)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
sess = None
pause = float(os.environ.get("HC_PAUSE", "0"))
for i in range(n):
    if i and pause:
        time.sleep(pause)
    try:
        s = socket.socket()
        s.settimeout(10)
        s.bind((src, 0))
        s.connect((host, port))
        t = ctx.wrap_socket(s, session=sess if resume else None)
        data = b""
        while True:
            d = t.recv(4096)
            if not d:
                break
            data += d
        line = data.decode().strip() or "empty"
        sess = t.session
        t.close()
    except (OSError, ssl.SSLError) as e:
        line = "failed " + type(e).__name__
    print(line, flush=True)
PY
hc() { timeout -k 2 60 python3 "$T/hc.py" 127.0.0.1 "$FP" "$@"; }

hc 127.0.0.2 2 --resume > "$T/res.out"
first=$(sed -n 1p "$T/res.out"); second=$(sed -n 2p "$T/res.out")
like "$first" '^instance=[AB] remote=127\.0\.0\.2 proxy=127\.0\.0\.1 resumed=' \
  "through HAProxy the program sees the client (SSLREMOTEIP) and HAProxy (SSLPROXYIP)"
i1=$(echo "$first" | sed 's/^instance=\(.\).*/\1/'); i2=$(echo "$second" | sed 's/^instance=\(.\).*/\1/')
[ -n "$i1" ] && [ -n "$i2" ] && [ "$i1" != "$i2" ]
ok $? "round robin: the two connections went to different instances ($i1, $i2)"
like "$second" 'resumed=Resumed$' "a session issued by instance $i1 resumed on instance $i2 (shared TICKETKEYFILE)"

hc 127.0.0.3 2 > "$T/deny.out"
is "$(grep -c '^instance=' "$T/deny.out")" 0 "a client denied by the shared rules is refused by both instances"
grep -q '^sslserver: deny .* :127\.0\.0\.3:' "$T/A.log" && grep -q '^sslserver: deny .* :127\.0\.0\.3:' "$T/B.log"
ok $? "both instances logged the deny for the client's address, not HAProxy's"

# MAXRATEIP=3/600 from the rule, per instance: 3 on each, then refused
hc 127.0.0.4 10 > "$T/rate.out"
is "$(grep -c '^instance=' "$T/rate.out")" 6 "MAXRATEIP 3/600 counts the client's address: 3 per instance, 6 of 10 served"
hc 127.0.0.5 2 > "$T/rate2.out"
is "$(grep -c '^instance=' "$T/rate2.out")" 2 "another client behind the same HAProxy is not limited by that"

# stopping one instance loses no new connection: 60 connections 50 ms
# apart, instance A stopped after the 10th; the health check (100 ms) and
# redispatch carry the rest
: > "$T/fail.out"
HC_PAUSE=0.05 hc 127.0.0.6 60 > "$T/fail.out" &
CPID=$!
track "$CPID"
wait_grep_n() { _i=0; while [ "$(wc -l < "$1")" -lt "$2" ] && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done; }
wait_grep_n "$T/fail.out" 10
stop_server "$PIDA"
at_stop=$(wc -l < "$T/fail.out")
wait "$CPID"
is "$(grep -c '^instance=' "$T/fail.out")" 60 "instance A stopped in the middle: all 60 connections were served"
grep -q '^instance=A' "$T/fail.out" && [ "$at_stop" -lt 55 ] && \
  sed -n "$((at_stop + 2)),\$p" "$T/fail.out" | grep -q '^instance=B' && \
  ! sed -n "$((at_stop + 2)),\$p" "$T/fail.out" | grep -q '^instance=A'
ok $? "A served before it stopped (after $at_stop connections), only B after"
[ $_failed -gt 0 ] && { diag "A.log:"; sed "s|^|#   |" "$T/A.log" | tail -20; diag "haproxy.log:"; sed "s|^|#   |" "$T/haproxy.log" | tail -20; }
stop_server "$HPID"
stop_server "$PIDB"
running "$HPID"; [ $? -ne 0 ]; ok $? "haproxy stopped"
done_testing
