#!/bin/sh
# examples/: the run scripts parse, the rules files compile (the ones without
# CIDR byte for byte as Debian's ucspi-tcp-ipv6 tcprules writes them), their
# rules answer as their comments say, and the qmail smtps set-up gives
# qmail-smtpd what it reads (TCPREMOTEIP, RELAYCLIENT) through a live sslserver.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 27
EX=$TOP/examples
REF6=$TOP/.deps/ucspi-tcp-ipv6/usr/bin/tcprules

for f in https/run https/log/run smtps/run smtps/log/run tls-env-http; do
  sh -n "$EX/$f" 2>"$T/sh.err" && [ -x "$EX/$f" ]
  ok $? "examples/$f is an executable shell script that parses"
done

bad=""
for f in "$EX"/https/env/* "$EX"/https/log/env/* "$EX"/smtps/env/* "$EX"/smtps/log/env/*; do
  [ "$(wc -l < "$f")" -eq 1 ] && [ -n "$(head -n 1 "$f")" ] || bad="$bad $(basename "$f")"
done
is "$bad" "" "examples/*/env, */log/env: one non-empty line per variable (envdir)"

# compile NAME FILE: our tcprules into $T/NAME.cdb
compile() { "$BIN/tcprules" "$T/$1.cdb" "$T/$1.tmp" < "$2" 2>"$T/$1.err"; }
dump() { cdb -d "$1" | od -An -c; }

for pair in tour:rules.txt https:https/rules.txt smtp:smtps/tcp.smtp; do
  name=${pair%%:*}; file=${pair#*:}
  compile "$name" "$EX/$file"
  ok $? "examples/$file compiles with tcprules"
done

for pair in https:https/rules.txt smtp:smtps/tcp.smtp; do
  name=${pair%%:*}; file=${pair#*:}
  "$REF6" "$T/$name.ref.cdb" "$T/$name.ref.tmp" < "$EX/$file" 2>"$T/$name.ref.err"
  if [ $? -eq 0 ] && [ "$(dump "$T/$name.cdb")" = "$(dump "$T/$name.ref.cdb")" ]; then
    pass "examples/$file: same CDB as ucspi-tcp-ipv6's tcprules"
  else
    fail "examples/$file: same CDB as ucspi-tcp-ipv6's tcprules"
    sed 's/^/#   /' "$T/$name.ref.err"
  fi
done

# check NAME VAR=value...: tcprulescheck's answer, on one line
check() {
  _cdb=$T/$1.cdb; shift
  env -u TCPREMOTEHOST -u TCPREMOTEINFO -u TCP6REMOTEIP "$@" \
    "$BIN/tcprulescheck" "$_cdb" 2>&1 | tr '\n' ' ' | sed 's/ $//'
}

# smtps/tcp.smtp
like "$(check smtp TCPREMOTEIP=127.0.0.1)" 'rule 127\.:.*RELAYCLIENT=.*allow' \
  "tcp.smtp: 127.0.0.1 may relay"
like "$(check smtp TCPREMOTEIP=::1)" 'rule ::1:.*RELAYCLIENT=.*allow' "tcp.smtp: ::1 may relay"
like "$(check smtp TCPREMOTEIP=10.1.200.3)" 'rule 10\.1\.:.*RELAYCLIENT=.*allow' \
  "tcp.smtp: the office network may relay"
like "$(check smtp TCPREMOTEIP=192.0.2.30)" 'RELAYCLIENT=.*allow' "tcp.smtp: 192.0.2.30 may relay"
got=$(check smtp TCPREMOTEIP=192.0.2.31)
case $got in
  "rule :"*MAXCONIP=5*allow*) case $got in *RELAYCLIENT*) r=1 ;; *) r=0 ;; esac ;;
  *) r=1 ;;
esac
ok $r "tcp.smtp: 192.0.2.31 falls to the default: MAXCONIP=5, no relaying"
[ $r -eq 0 ] || diag "got: $got"
like "$(check smtp TCPREMOTEIP=198.51.100.7)" 'deny' "tcp.smtp: the spam source is denied"
like "$(check smtp TCPREMOTEIP=203.0.113.9 TCPREMOTEHOST=mx1.mail.example.org)" \
  'rule =\.mail\.example\.org:.*RELAYCLIENT=.*allow' "tcp.smtp: a host in the domain may relay"

# https/rules.txt
like "$(check https TCPREMOTEIP=192.0.2.66)" 'deny' "https rules: the bad client is denied"
like "$(check https TCPREMOTEIP=192.0.2.10)" 'MONITOR=yes.*allow' "https rules: the monitor is marked"

# the tour
like "$(check tour TCPREMOTEIP=172.20.1.1)" 'rule 172\.20\.:.*deny' "rules.txt: 172.16.0.0/12 is denied"
like "$(check tour TCPREMOTEIP=2001:db8:1ff::5)" 'NET=v6lab.*allow' "rules.txt: the IPv6 CIDR rule"
like "$(check tour TCPREMOTEIP=10.2.3.25)" 'NET=lab.*MAXCONIP=2.*allow' "rules.txt: a last-octet range"
like "$(check tour TCPREMOTEIP=10.1.2.3 TCPREMOTEINFO=backup)" 'rule backup@10\.1\.2\.3:.*ROLE=backup' \
  "rules.txt: an ident rule"
like "$(check tour TCPREMOTEIP=192.0.2.8)" 'GREETING=hello "friend"' "rules.txt: a value quoted with /"
like "$(check tour TCPREMOTEIP=198.18.0.1)" '^rule :.*MAXCONIP=10.*allow' "rules.txt: the default rule"

# qmail smtps as in examples/smtps/run (-e, -x tcp.smtp.cdb), with a program
# that lists its environment instead of qmail-smtpd
make_pki
start_server smtps -e -v -R $NODNS -x "$T/smtp.cdb" -c 20 127.0.0.1 0 "$PROGS/env.sh"
if [ -n "$PORT" ]; then
  tlsc 127.0.0.1 "$PORT" > "$T/smtps.env" 2>"$T/smtps.err"
  got="$(envval "$T/smtps.env" PROTO) $(envval "$T/smtps.env" TCPREMOTEIP) [$(envval "$T/smtps.env" RELAYCLIENT)] $(envval "$T/smtps.env" TCPLOCALHOST)"
else
  got="sslserver did not start"
fi
is "$got" "TCP 127.0.0.1 [] localhost" \
  "smtps set-up: qmail-smtpd would see PROTO=TCP, TCPREMOTEIP, an empty RELAYCLIENT, TCPLOCALHOST"
stop_server
done_testing
