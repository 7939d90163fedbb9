#!/bin/sh
# sslclient's command line and connection options: usage (100), connection
# and lookup failures (111), ports by service name, names through DNSCACHEIP
# (-4, -6, several addresses, -h PTR names), -i/-p local address, -I, -T on a
# server that never speaks TLS, -w, -D, -v/-q.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
. "$(dirname "$0")/helpers/sslclient.sh"
plan 47
make_client_pki
CA="-a $PKI/ca.pem"

# usage
for args in "" "127.0.0.1" "127.0.0.1 443" "-Z 127.0.0.1 443 true" "-T x 127.0.0.1 443 true" \
  "-T 1+ 127.0.0.1 443 true" "-p 70000 127.0.0.1 443 true" "-i nonsense 127.0.0.1 443 true" \
  "-V 1x 127.0.0.1 443 true" "-a"; do
  # shellcheck disable=SC2086
  out=$(sslc $args 2>&1)
  is "$?" 100 "usage error: sslclient $args"
done
like "$out" '^sslclient: usage: sslclient \[ -463hHrRdDqQveEsSnNxXmMyY \]' "the usage line lists the flags"

freeport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
out=$(sslc -H -l0 $CA 127.0.0.1 "$freeport" true 2>&1)
is "$?" 110 "connection refused: 110"
is "$out" "sslclient: drop: (110) unable to connect to: 127.0.0.1 port: $freeport" \
  "connection refused: the message names address and port"
out=$(sslc -q -H -l0 $CA 127.0.0.1 "$freeport" true 2>&1)
is "$?:$out" "110:" "-q: the same exit code, no message"
out=$(sslc -vv -H -l0 $CA 127.0.0.1 https true 2>&1)
like "$out" 'port: 443: Connection refused$' "a service name is looked up in /etc/services; -vv adds the reason"
out=$(sslc -H -l0 $CA 127.0.0.1 no-such-service true 2>&1)
is "$?:$out" "111:sslclient: fatal: (111) unable to figure out port number for no-such-service" \
  "an unknown service name: 111"
out=$(sslc -H -l0 -I no-such-if0 $CA ::1 443 true 2>&1)
is "$?:$out" "111:sslclient: fatal: (111) unknown interface: no-such-if0" "-I an unknown interface: 111"

# names through our own DNS responder
python3 "$HELPERS/dnsd.py" "$T/dns.ip" --log "$T/dns.log" --lifetime 250 \
  --a other.example=127.0.0.1 --aaaa other.example=::1 \
  --a four.example=127.0.0.1 --aaaa six.example=::1 \
  --a www.wild.example=127.0.0.1 --a a.b.wild.example=127.0.0.1 \
  --ptr 127.0.0.1=loop.example 2> "$T/dnsd.err" &
track $!
wait_file "$T/dns.ip" 100
DNSCACHEIP=$(cat "$T/dns.ip" 2>/dev/null)
export DNSCACHEIP
[ -n "$DNSCACHEIP" ] || diag "no DNS responder: $(cat "$T/dnsd.err")"

# wrongname.pem is for other.example; the server listens on 127.0.0.1 only
CERTFILE=$PKI/wrongname.pem KEYFILE=$PKI/wrongname.key
start_server dns -H -l srv 127.0.0.1 0 "$PROGS/env.sh"
for i in 1 2 3; do
  sslc -H -l0 $CA other.example "$PORT" sh -c 'env > "$1"; cat <&6 >/dev/null' sh "$T/dns$i.env" </dev/null
  is "$?/$(envval "$T/dns$i.env" SSLREMOTEIP)" "0/127.0.0.1" \
    "a name with an AAAA (nothing listens) and an A record: connected to the A address, verified by name ($i)"
done
out=$(sslc -4 -H -l0 $CA six.example "$PORT" true 2>&1)
is "$?:$out" "111:sslclient: error: (111) No IP address for: six.example" "-4: a name with only AAAA has no address"
out=$(sslc -6 -H -l0 $CA four.example "$PORT" true 2>&1)
is "$?:$out" "111:sslclient: error: (111) No IP address for: four.example" "-6: a name with only A has no address"
sslc -4 -N -H -l0 $CA four.example "$PORT" sh -c 'env > "$1"; cat <&6 >/dev/null' sh "$T/four.env" </dev/null
is "$?/$(envval "$T/four.env" SSLREMOTEIP)" "0/127.0.0.1" "-4: the A record"
sslc -N $CA 127.0.0.1 "$PORT" sh -c 'env > "$1"; cat <&6 >/dev/null' sh "$T/h.env" </dev/null
is "$(envval "$T/h.env" SSLREMOTEHOST)" "loop.example" "-h (the default): SSLREMOTEHOST from the PTR record"
is "$(envval "$T/h.env" SSLLOCALHOST)" "loop.example" "no -l: SSLLOCALHOST from the PTR record"
stop_server
CERTFILE=$PKI/wild.pem KEYFILE=$PKI/wild.key
start_server wild -H -l srv 127.0.0.1 0 true
sslc -H -l0 $CA www.wild.example "$PORT" true
is "$?" 0 "www.wild.example matches the SAN *.wild.example"
out=$(sslc -H -l0 $CA a.b.wild.example "$PORT" true 2>&1)
is "$?:$out" "110:sslclient: error: (110) server hostname does not match certificate: a.b.wild.example <=> *.wild.example" \
  "a wildcard stands for one label only"
stop_server
unset DNSCACHEIP
CERTFILE=$PKI/ec.pem KEYFILE=$PKI/ec.key

start_server loc $NODNS 127.0.0.1 0 cat
sslc -H -l0 -i 127.0.0.2 $CA 127.0.0.1 "$PORT" sh -c 'env > "$1"' sh "$T/i.env" </dev/null
is "$(envval "$T/i.env" SSLLOCALIP)" "127.0.0.2" "-i 127.0.0.2: the local address"
lport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sslc -H -l0 -p "$lport" $CA 127.0.0.1 "$PORT" sh -c 'env > "$1"' sh "$T/p.env" </dev/null
is "$(envval "$T/p.env" SSLLOCALPORT)" "$lport" "-p: the local port"
out=$(sslc -H -l0 -i ::1 $CA 127.0.0.1 "$PORT" true 2>&1)
is "$?:$out" "111:sslclient: fatal: (111) unable to bind to socket for local port: 0" \
  "-i of the other family than the only address: ucspi-ssl's bind failure, 111"

# -D sets TCP_NODELAY on the socket that sslclient (the program's parent) holds
sslc -H -l0 -D $CA 127.0.0.1 "$PORT" sh -c 'python3 "$1" $PPID > "$2"' sh "$HELPERS/sockopts.py" "$T/D.opts" </dev/null
like "$(cat "$T/D.opts")" "127\\.0\\.0\\.1 [0-9]+ 127\\.0\\.0\\.1 $PORT nodelay=1" "-D: TCP_NODELAY"
sslc -H -l0 $CA 127.0.0.1 "$PORT" sh -c 'python3 "$1" $PPID > "$2"' sh "$HELPERS/sockopts.py" "$T/d.opts" </dev/null
like "$(cat "$T/d.opts")" "127\\.0\\.0\\.1 $PORT nodelay=0" "-d (the default): no TCP_NODELAY"

out=$(sslc -v -H -l0 $CA 127.0.0.1 "$PORT" true 2>&1)
is "$out" "sslclient: tls connected to: 127.0.0.1 port: $PORT" "-v: ucspi-ssl's one line"
out=$(sslc -vv -H -l0 $CA 127.0.0.1 "$PORT" true 2>&1)
like "$out" "^sslclient: connected to: 127\\.0\\.0\\.1 port: $PORT\$" "-vv: the connection"
like "$out" "^sslclient: tls connected to: 127\\.0\\.0\\.1 port: $PORT TLSv1\\.[23]:" "-vv: the TLS connection, protocol and cipher"
stop_server

start_server six $NODNS ::1 0 cat
sslc -e -H -l0 -I lo $CA ::1 "$PORT" sh -c 'env > "$1"' sh "$T/six.env" </dev/null
is "$?/$(envval "$T/six.env" PROTO)" "0/TCP6" "-I lo on ::1 works; -e over IPv6: PROTO=TCP6"
is "$(envval "$T/six.env" TCP6REMOTEPORT)" "$PORT" "-e over IPv6: TCP6REMOTEPORT"
stop_server

# -r: the server host's ident service; -t bounds a silent one.
# start_identd TAG ARGS...: identd.py on a random 127.113.x.y, since other
# test runs on this machine may hold port 113 of any fixed address; sets IDADDR
start_identd() {
  _tag=$1; shift
  for _try in 1 2 3 4 5; do
    IDADDR=$(od -An -N2 -tu1 /dev/urandom | awk '{ print "127.113." $1 "." ($2 % 254 + 1) }')
    rm -f "$T/$_tag.ready"
    python3 "$HELPERS/identd.py" "$IDADDR" "$T/$_tag.ready" "$@" --lifetime 100 2>"$T/$_tag.log" &
    _idpid=$!
    track "$_idpid"
    _i=0
    while [ ! -s "$T/$_tag.ready" ] && running "$_idpid" && [ $_i -lt 100 ]; do
      sleep 0.1; _i=$((_i + 1))
    done
    [ -s "$T/$_tag.ready" ] && return 0
  done
  diag "identd.py did not start: $(cat "$T/$_tag.log")"
  return 1
}
start_identd identd --user bob
start_server ident $NODNS "$IDADDR" 0 cat
sslc -r -H -l0 -N $CA "$IDADDR" "$PORT" sh -c 'env > "$1"' sh "$T/r.env" </dev/null
is "$(envval "$T/r.env" SSLREMOTEINFO)" "bob" "-r: SSLREMOTEINFO from the server host's ident service"
grep -Eq "query '$PORT *, *$(envval "$T/r.env" SSLLOCALPORT)'" "$T/identd.log"
ok $? "-r: the query names the server's port, then ours"
sslc -H -l0 -N $CA "$IDADDR" "$PORT" sh -c 'env > "$1"' sh "$T/R.env" </dev/null
is "$(envval "$T/R.env" SSLREMOTEINFO)" "<unset>" "-R (the default): no ident query, no SSLREMOTEINFO"
stop_server
start_identd identd7 --silent
start_server ident7 $NODNS "$IDADDR" 0 cat
sslc -r -t 1 -H -l0 -N $CA "$IDADDR" "$PORT" sh -c 'env > "$1"' sh "$T/t.env" </dev/null
is "$?/$(envval "$T/t.env" SSLREMOTEINFO)" "0/<unset>" "-t 1: a silent ident service is given up on, the connection goes on"
grep -q "query" "$T/identd7.log"
ok $? "-t 1: the silent ident service was asked"
stop_server

# -T: a server that accepts and never answers the ClientHello
start_py silent --mode silent
out=$(sslc -T 1+1 -H -l0 $CA 127.0.0.1 "$PYPORT" sh -c ': > "$1"' sh "$T/ran" 2>&1)
is "$?" 111 "-T 1+1: a server that never speaks TLS: 111"
is "$out" "sslclient: fatal: (111) unable to TLS connect" "-T: ucspi-ssl's line"
[ -e "$T/ran" ]
is "$?" 1 "-T: the program is not run"
stop_server "$PYPID"

# -w: a server that says nothing after the handshake
start_server idle $NODNS 127.0.0.1 0 sleep 25
out=$(sslc -vv -w 1 -H -l0 $CA 127.0.0.1 "$PORT" sh -c 'cat <&6' 2>&1)
is "$?" 111 "-w 1: a silent connection ends with 111"
like "$out" '^sslclient: drop: \(110\) unable to speak TLS: timed out$' "-w: ucspi-ssl's line; -vv adds timed out"
stop_server
done_testing
