#!/bin/sh
# sslserver: DNS paths against a tiny DNS responder of our own on 127.A.B.C:53,
# reached through DNSCACHEIP: -h (the default) sets SSLREMOTEHOST and
# SSLLOCALHOST, -p drops a name whose addresses do not match, -H and -l skip
# lookups, -y rules deny before any lookup, -x rules match =host names.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 23
make_pki

python3 "$HELPERS/dnsd.py" "$T/dns.ip" --log "$T/dns.log" --lifetime 280 \
  --ptr 127.0.0.1=local.example --a local.example=127.0.0.1 \
  --ptr 127.0.0.2=good.example --a good.example=127.0.0.2 \
  --ptr 127.0.0.3=liar.example --a liar.example=127.0.0.99 \
  --ptr 127.0.0.4=denied.example --a denied.example=127.0.0.4 \
  --ptr ::1=six.example --aaaa six.example=::1 \
  2> "$T/dnsd.err" &
track $!
wait_file "$T/dns.ip" 100
ok $? "the test DNS responder is up"
DNS=$(cat "$T/dns.ip" 2>/dev/null)
diag "DNS responder on $DNS"

# envfrom SRCIP [ADDR]: env.sh listing for a client from SRCIP
envfrom() { tlsc "${2:-127.0.0.1}" "$PORT" --bind "$1" --info "$T/last.info" 2>>"$T/clients.err"; }
# queried NAME: did the responder see a question for NAME?
queried() { grep -q " $1\$" "$T/dns.log" 2>/dev/null; }

# -h (default) without -l: both names from DNS
SRV_ENV="DNSCACHEIP=$DNS" start_server h -v 127.0.0.1 0 "$PROGS/env.sh"
envfrom 127.0.0.2 > "$T/h.env"
cport=$(cut -d' ' -f3 "$T/last.info" 2>/dev/null)
is "$(envval "$T/h.env" SSLREMOTEHOST)" "good.example" "-h: SSLREMOTEHOST from the PTR record"
is "$(envval "$T/h.env" SSLLOCALHOST)" "local.example" "no -l: SSLLOCALHOST from the PTR record"
wait_grep "$T/h.log" '^sslserver: ok ' 50
like "$(grep '^sslserver: ok ' "$T/h.log")" \
  "^sslserver: ok [0-9]+ local\\.example:127\\.0\\.0\\.1:$PORT good\\.example:127\\.0\\.0\\.2:(:)?$cport\$" \
  "-h: the ok line carries both names"
envfrom 127.0.0.3 > "$T/h3.env"
is "$(envval "$T/h3.env" SSLREMOTEHOST)" "liar.example" "without -p: a name whose address does not match is kept"
stop_server

# -e: the TCP* copies carry the names too
SRV_ENV="DNSCACHEIP=$DNS" start_server he -e -l srv 127.0.0.1 0 "$PROGS/env.sh"
envfrom 127.0.0.2 > "$T/he.env"
is "$(envval "$T/he.env" TCPREMOTEHOST)" "good.example" "-e: TCPREMOTEHOST"
is "$(envval "$T/he.env" TCPLOCALHOST)" "srv" "-e: TCPLOCALHOST from -l"
stop_server

# -p: paranoid
SRV_ENV="DNSCACHEIP=$DNS" start_server p -v -p -l srv 127.0.0.1 0 "$PROGS/env.sh"
envfrom 127.0.0.2 > "$T/p2.env"
is "$(envval "$T/p2.env" SSLREMOTEHOST)" "good.example" "-p: a name whose A record matches is kept"
envfrom 127.0.0.3 > "$T/p3.env"
is "$(envval "$T/p3.env" SSLREMOTEHOST)" "<unset>" "-p: a name whose A record does not match is removed"
is "$(envval "$T/p3.env" PROTO)" "TLS" "-p: the mismatching client is still served"
queried liar.example; ok $? "-p: the name's addresses were looked up"
wait_grep "$T/p.log" '127\.0\.0\.3' 50
like "$(grep '^sslserver: ok .*127\.0\.0\.3' "$T/p.log")" '^sslserver: ok [0-9]+ srv:127\.0\.0\.1:[0-9]+ :127\.0\.0\.3:' \
  "-p: the ok line has no remote name for the mismatch"
stop_server

# -l: no lookup of the local name; -H: no lookup of the remote name
: > "$T/dns.log"
SRV_ENV="DNSCACHEIP=$DNS" start_server l -l given.name 127.0.0.1 0 "$PROGS/env.sh"
envfrom 127.0.0.2 > "$T/l.env"
is "$(envval "$T/l.env" SSLLOCALHOST)" "given.name" "-l: SSLLOCALHOST as given"
queried 1.0.0.127.in-addr.arpa; ok "$([ $? -ne 0 ]; echo $?)" "-l: the local address is not looked up"
queried 2.0.0.127.in-addr.arpa; ok $? "-l: the remote address still is"
stop_server
: > "$T/dns.log"
SRV_ENV="DNSCACHEIP=$DNS" start_server H -H -l given.name 127.0.0.1 0 "$PROGS/env.sh"
envfrom 127.0.0.2 > "$T/H.env"
is "$(envval "$T/H.env" SSLREMOTEHOST)" "<unset>" "-H: no SSLREMOTEHOST"
is "$(grep -c '' "$T/dns.log")" 0 "-H -l: no DNS question at all"
stop_server

# -y deny before any lookup; -x rules by host name after it
mkrules "$T/y.cdb" <<'EOF'
127.0.0.4:deny
EOF
mkrules "$T/x.cdb" <<'EOF'
=good.example:allow,BYNAME="good"
=.example:allow,BYNAME="domain"
:allow,BYNAME="none"
EOF
: > "$T/dns.log"
SRV_ENV="DNSCACHEIP=$DNS" start_server yx -l srv -y "$T/y.cdb" -x "$T/x.cdb" 127.0.0.1 0 "$PROGS/env.sh"
envfrom 127.0.0.4 > "$T/y4.env"
is "$(envval "$T/y4.env" PROTO)" "<unset>" "-y: the denied client is not served"
queried 4.0.0.127.in-addr.arpa; ok "$([ $? -ne 0 ]; echo $?)" "-y: no DNS question for the denied client"
envfrom 127.0.0.2 > "$T/x2.env"
is "$(envval "$T/x2.env" BYNAME)" "good" "-x: an =host rule matches the looked-up name"
envfrom 127.0.0.3 > "$T/x3.env"
is "$(envval "$T/x3.env" BYNAME)" "domain" "-x: an =.domain rule matches"
stop_server

# IPv6: the ip6.arpa PTR
SRV_ENV="DNSCACHEIP=$DNS" start_server six -l srv ::1 0 "$PROGS/env.sh"
tlsc ::1 "$PORT" > "$T/six.env" 2>>"$T/clients.err"
is "$(envval "$T/six.env" SSLREMOTEHOST)" "six.example" "IPv6: SSLREMOTEHOST from the ip6.arpa PTR record"
stop_server

# a DNS server that does not answer costs the name, not the connection
SRV_ENV="DNSCACHEIP=127.0.0.254" start_server nodns -l srv 127.0.0.1 0 "$PROGS/env.sh"
envfrom 127.0.0.2 > "$T/nodns.env"
is "$(envval "$T/nodns.env" SSLREMOTEHOST)" "<unset>" "no DNS answer: no SSLREMOTEHOST, but the client is served"
stop_server
done_testing
