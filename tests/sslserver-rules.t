#!/bin/sh
# sslserver: access rules from CDBs made by tcprules: allow, deny and variables
# with -x, the early address-only -y, -X with a missing CDB, a missing CDB
# without -X, rules changed while the server runs.
# Clients use source addresses 127.0.0.2... (all of 127/8 is loopback).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 30
make_pki
M=$T/started; mkdir -p "$M"
started() { count_entries "$M"; }

# envfrom SRCIP: env.sh listing for a client from SRCIP (empty when refused)
envfrom() { tlsc 127.0.0.1 "$PORT" --bind "$1" 2>>"$T/clients.err"; }

mkrules "$T/x.cdb" <<'EOF'
127.0.0.2:deny
127.0.0.3:allow,RULEVAR="three",OTHER="x y"
::1:allow,RULEVAR="six"
:allow,RULEVAR="default"
EOF
ok $? "tcprules makes x.cdb"

start_server x -v $NODNS -x "$T/x.cdb" :0 0 "$PROGS/marker.sh" "$M" "$PROGS/env.sh"
envfrom 127.0.0.3 > "$T/three.env"
is "$(envval "$T/three.env" RULEVAR)" "three" "-x: an allow rule sets its variable"
is "$(envval "$T/three.env" OTHER)" "x y" "-x: a value with a space"
envfrom 127.0.0.1 > "$T/one.env"
is "$(envval "$T/one.env" RULEVAR)" "default" "-x: the default rule applies to other addresses"
tlsc ::1 "$PORT" > "$T/six.env" 2>>"$T/clients.err"
is "$(envval "$T/six.env" RULEVAR)" "six" "-x: an IPv6 rule"
before=$(started)
envfrom 127.0.0.2 > "$T/two.env"
st=$?
ok "$([ "$st" -ne 0 ] && [ ! -s "$T/two.env" ]; echo $?)" "-x: a denied client gets no TLS session (client status $st)"
wait_grep "$T/x.log" '^sslserver: deny [0-9]+ ' 50
like "$(grep '^sslserver: deny ' "$T/x.log")" \
  '^sslserver: deny [0-9]+ localhost:127\.0\.0\.1:[0-9]+ :127\.0\.0\.2:(:)?[0-9]+$' \
  "-x: the deny line names local and remote address"
is "$(started)" "$before" "-x: no prog for a denied client"
dpid=$(sed -n 's/^sslserver: deny \([0-9]*\) .*/\1/p' "$T/x.log" | head -n 1)
wait_grep "$T/x.log" "^sslserver: ended by $dpid " 50
like "$(grep "^sslserver: ended by $dpid " "$T/x.log")" "^sslserver: ended by $dpid status 25600\$" \
  "-x: the denied connection's child exits 100 (status 25600)"
is "$(grep -c "^sslserver: ok " "$T/x.log")" 3 "-x: three ok lines for the allowed clients"

# rules are read anew for every connection: change them while running
mkrules "$T/x.cdb" <<'EOF'
127.0.0.2:allow,RULEVAR="two now"
:deny
EOF
envfrom 127.0.0.2 > "$T/two-b.env"
is "$(envval "$T/two-b.env" RULEVAR)" "two now" "rules rebuilt while running take effect"
before=$(started)
envfrom 127.0.0.3 > "$T/three-b.env"
is "$(started)" "$before" "the new default deny holds"
stop_server

# -y: address-only rules first; an explicit allow skips -x; no match falls to -x
mkrules "$T/y.cdb" <<'EOF'
127.0.0.4:allow,FROM_Y="yes"
127.0.0.5:deny
EOF
mkrules "$T/x2.cdb" <<'EOF'
127.0.0.4:deny
127.0.0.6:deny
:allow,FROM_X="yes"
EOF
start_server y -v $NODNS -y "$T/y.cdb" -x "$T/x2.cdb" 127.0.0.1 0 "$PROGS/marker.sh" "$M" "$PROGS/env.sh"
envfrom 127.0.0.4 > "$T/four.env"
is "$(envval "$T/four.env" FROM_Y)" "yes" "-y: an explicit allow sets its variable"
is "$(envval "$T/four.env" FROM_X)" "<unset>" "-y: an explicit allow skips the -x rules (which deny 127.0.0.4)"
before=$(started)
envfrom 127.0.0.5 > "$T/five.env"
is "$(started)" "$before" "-y: a deny closes the connection, no prog"
ok "$([ ! -s "$T/five.env" ]; echo $?)" "-y: the denied client got nothing"
envfrom 127.0.0.1 > "$T/y1.env"
is "$(envval "$T/y1.env" FROM_X)" "yes" "-y: an address with no -y rule goes on to -x"
is "$(envval "$T/y1.env" FROM_Y)" "<unset>" "-y: and gets no -y variables"
before=$(started)
envfrom 127.0.0.6 > "$T/six-y.env"
is "$(started)" "$before" "-y then -x: -x still denies what -y did not allow"
wait_grep "$T/y.log" '127\.0\.0\.6' 50
is "$(grep -c '^sslserver: deny ' "$T/y.log")" 2 "two deny lines (one from -y, one from -x)"
stop_server

# a missing CDB: without -X every connection is dropped; with -X allowed
start_server nox -v $NODNS -x "$T/missing.cdb" 127.0.0.1 0 "$PROGS/marker.sh" "$M" "$PROGS/env.sh"
before=$(started)
envfrom 127.0.0.1 > "$T/nox.env"
is "$(started)" "$before" "missing -x CDB without -X: no prog"
ok "$([ ! -s "$T/nox.env" ]; echo $?)" "missing -x CDB without -X: the client gets nothing"
ok "$(running "$SPID"; echo $?)" "missing -x CDB without -X: the listener keeps running"
wait_grep "$T/nox.log" 'missing\.cdb' 50
ok $? "missing -x CDB without -X: the log names the file"
mkrules "$T/missing.cdb" <<'EOF'
:allow,NOW_THERE="1"
EOF
envfrom 127.0.0.1 > "$T/nox2.env"
is "$(envval "$T/nox2.env" NOW_THERE)" "1" "once the CDB exists the same server follows it"
stop_server

start_server withx -v $NODNS -X -x "$T/gone.cdb" 127.0.0.1 0 "$PROGS/marker.sh" "$M" "$PROGS/env.sh"
before=$(started)
envfrom 127.0.0.1 > "$T/withx.env"
is "$(envval "$T/withx.env" PROTO)" "TLS" "-X with a missing -x CDB: the client is served"
is "$(started)" "$((before + 1))" "-X with a missing -x CDB: prog runs"
stop_server

start_server withy -v $NODNS -X -y "$T/gone.cdb" 127.0.0.1 0 "$PROGS/env.sh"
envfrom 127.0.0.1 > "$T/withy.env"
is "$(envval "$T/withy.env" PROTO)" "TLS" "-X with a missing -y CDB: the client is served"
stop_server
start_server noy -v $NODNS -y "$T/gone.cdb" 127.0.0.1 0 "$PROGS/marker.sh" "$M" "$PROGS/env.sh"
before=$(started)
envfrom 127.0.0.1 > "$T/noy.env"
is "$(started)" "$before" "missing -y CDB without -X: no prog"
stop_server

# a CDB from djb's own tcprules (ucspi-tcp 0.88) reads the same
REF=$TOP/.deps/ucspi-tcp/usr/bin/tcprules
printf '127.0.0.7:allow,REF="djb"\n:deny\n' | "$REF" "$T/ref.cdb" "$T/ref.tmp"
start_server ref $NODNS -x "$T/ref.cdb" 127.0.0.1 0 "$PROGS/env.sh"
is "$(envfrom 127.0.0.7 | sed -n 's/^REF=//p')" "djb" "a CDB made by djb's tcprules works"
stop_server
done_testing
