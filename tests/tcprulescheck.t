#!/bin/sh
# tcprulescheck: for every corpus file and every client in tests/data/rules/queries
# our answer equals the reference tcprulescheck's (Debian's ucspi-tcp-ipv6 for
# all clients, ucspi-tcp for IPv4 ones); fehcom's keys, CIDR, the lookup order
# across dialects, the TCP6* variables, and errors.
. "$(dirname "$0")/lib.sh"
D=$TOP/tests/data/rules
R4=$TOP/.deps/ucspi-tcp/usr/bin
R6=$TOP/.deps/ucspi-tcp-ipv6/usr/bin
files=$(cd "$D" && ls *.txt)
plan $(( $(echo "$files" | wc -l) + 25 ))

# check PROG CDB IP HOST INFO ('-' = unset): the answer on one line
# (thousands of calls: a subshell sets the variables, no env or timeout
# process per call; make check's timeout bounds the whole file)
check() {
  (
    unset TCPREMOTEIP TCPREMOTEHOST TCPREMOTEINFO TCP6REMOTEIP TCP6REMOTEHOST TCP6REMOTEINFO
    [ "$3" = - ] || { TCPREMOTEIP=$3; export TCPREMOTEIP; }
    [ "$4" = - ] || { TCPREMOTEHOST=$4; export TCPREMOTEHOST; }
    [ "$5" = - ] || { TCPREMOTEINFO=$5; export TCPREMOTEINFO; }
    exec "$1" "$2" </dev/null 2>&1
  ) | tr '\n' '|'; echo " (exit $?)"
}

for f in $files; do
  case $(sed -n '1s/^# oracle: //p' "$D/$f") in djb) r=$R4 ;; *) r=$R6 ;; esac
  if [ ! -x "$r/tcprules" ] || [ ! -x "$R6/tcprulescheck" ] || [ ! -x "$R4/tcprulescheck" ]; then
    echo "ok $((_n += 1)) # skip $f: reference binaries missing"; continue
  fi
  timeout 20 "$r/tcprules" "$T/ref.cdb" "$T/ref.tmp" < "$D/$f"
  bad=0; n=0
  while read -r ip host info; do
    case $ip in ::ffff:*) continue ;; esac # ours looks these up as IPv4, see below
    ours=$(check "$BIN/tcprulescheck" "$T/ref.cdb" "$ip" "$host" "$info")
    refs="$R6"; case $ip in *:*) ;; *) refs="$R6 $R4" ;; esac
    for rr in $refs; do
      theirs=$(check "$rr/tcprulescheck" "$T/ref.cdb" "$ip" "$host" "$info")
      n=$((n + 1))
      if [ "$ours" != "$theirs" ]; then
        bad=$((bad + 1)); diag "$f: $ip $host $info: ours $ours; $rr: $theirs"
      fi
    done
  done < "$D/queries"
  ok "$([ $bad = 0 ] && [ $n -gt 50 ]; echo $?)" "$f: $n answers the same as the reference tcprulescheck"
done

ans() { check "$BIN/tcprulescheck" "$@"; }

# fehcom's dialect (ucspi-tcp6, ucspi-ssl 0.13), written with tinycdb's cdb -c
mk() {
  : > "$T/in"
  while read -r k d; do
    printf '+%d,%d:%s->' "${#k}" "${#d}" "$k" >> "$T/in"
    printf '%s\n' "$d" | tr '|' '\0' >> "$T/in"
  done
  echo >> "$T/in"
  cdb -c "$T/$1" < "$T/in"
}
# 127.0.0.0/8 and 2001:db8::/32 as bit keys, expanded IPv6 in fehcom's upper case
mk fehcom.cdb <<'EOF'
_0bcdefgh +K=127/8|
_0bcdefgh00000000000000000 +K=127.0.0/25|
^00`000000000000a0000bc0de0fgh000 +K=2001:db8::/32|
2001:0DB8:0000:0000:0000:0000:0000:00AB +K=expanded|
joe@2001:0DB8:0000:0000:0000:0000:0000:00AB +K=joe-expanded|
0000:0000:0000:0000:0000:0000:0000:0002 D|
EOF
is "$(ans "$T/fehcom.cdb" 127.1.2.3 - -)" "rule 127.0.0.0/8:|set environment variable K=127/8|allow connection| (exit 0)" \
  "fehcom: an IPv4 bit key matches and is shown as CIDR"
is "$(ans "$T/fehcom.cdb" 127.0.0.1 - -)" "rule 127.0.0.0/25:|set environment variable K=127.0.0/25|allow connection| (exit 0)" \
  "fehcom: the longer IPv4 bit key wins"
is "$(ans "$T/fehcom.cdb" 128.0.0.1 - -)" "default:|allow connection| (exit 0)" "fehcom: an address outside the bit keys"
is "$(ans "$T/fehcom.cdb" 2001:db8:5::1 - -)" "rule 2001:db8::/32:|set environment variable K=2001:db8::/32|allow connection| (exit 0)" \
  "fehcom: an IPv6 bit key matches"
is "$(ans "$T/fehcom.cdb" 2001:db8::ab - -)" "rule 2001:0DB8:0000:0000:0000:0000:0000:00AB:|set environment variable K=expanded|allow connection| (exit 0)" \
  "fehcom: an expanded IPv6 key matches (before the bit keys)"
is "$(ans "$T/fehcom.cdb" 2001:db8::ab - joe)" "rule joe@2001:0DB8:0000:0000:0000:0000:0000:00AB:|set environment variable K=joe-expanded|allow connection| (exit 0)" \
  "fehcom: info@ with the expanded address"
is "$(ans "$T/fehcom.cdb" ::2 - -)" "rule 0000:0000:0000:0000:0000:0000:0000:0002:|deny connection| (exit 0)" \
  "fehcom: an expanded deny"

# one client, keys of every kind: each removal uncovers the next in order
cat > "$T/order.txt" <<'EOF'
joe@10.1.2.3:allow,K="info@ip"
joe@=h.example.com:allow,K="info@=host"
10.1.2.3:allow,K="ip"
=h.example.com:allow,K="=host"
10.1.2.:allow,K="10.1.2."
10.1.:allow,K="10.1."
10.:allow,K="10."
=.example.com:allow,K="=.example.com"
=.com:allow,K="=.com"
=:allow,K="="
:allow,K="default"
EOF
order=""
cp "$T/order.txt" "$T/cur.txt"
while [ -s "$T/cur.txt" ]; do
  "$BIN/tcprules" "$T/o.cdb" "$T/o.tmp" < "$T/cur.txt" || break
  k=$(TCPREMOTEIP=10.1.2.3 TCPREMOTEHOST=h.example.com TCPREMOTEINFO=joe "$BIN/tcprulescheck" "$T/o.cdb" | sed -n 's/^set environment variable K=//p')
  [ -n "$k" ] || break
  order="$order $k"
  grep -v "K=\"$k\"\$" "$T/cur.txt" > "$T/next.txt"; mv "$T/next.txt" "$T/cur.txt"
done
is "$order" " info@ip info@=host ip =host 10.1.2. 10.1. 10. =.example.com =.com = default" \
  "lookup order: info@ip, info@=host, ip, =host, prefixes, =.domain, =, default"

# bit keys come after the dotted prefixes and before =.domain
mk mixed.cdb <<'EOF'
10. +K=dotted|
_0000e +K=bits|
=.example.com +K=domain|
EOF
is "$(ans "$T/mixed.cdb" 10.1.2.3 h.example.com - | cut -d'|' -f2)" "set environment variable K=dotted" "a dotted prefix before a bit key"
mk mixed2.cdb <<'EOF'
_0000e +K=bits|
=.example.com +K=domain|
EOF
is "$(ans "$T/mixed2.cdb" 10.1.2.3 h.example.com - | cut -d'|' -f2)" "set environment variable K=bits" "a bit key before =.domain"

# CIDR rules from our tcprules
"$BIN/tcprules" "$T/cidr.cdb" "$T/cidr.tmp" <<'EOF'
192.168.4.0/22:allow,K="22"
10.0.0.0/8:deny
1.2.3.128/25:allow,K="25"
2001:db8::/32:allow,K="v6"
2001:db8:1::/48:deny
:allow,K="default"
EOF
is "$(ans "$T/cidr.cdb" 192.168.7.255 - - | cut -d'|' -f1,2)" "rule 192.168.7.:|set environment variable K=22" "CIDR /22: the last /24 of it"
is "$(ans "$T/cidr.cdb" 192.168.8.0 - - | cut -d'|' -f2)" "set environment variable K=default" "CIDR /22: the next /24 is outside"
is "$(ans "$T/cidr.cdb" 10.200.1.1 - - | cut -d'|' -f2)" "deny connection" "CIDR /8 denies"
is "$(ans "$T/cidr.cdb" 1.2.3.255 - - | cut -d'|' -f2)" "set environment variable K=25" "CIDR /25: the top address"
is "$(ans "$T/cidr.cdb" 1.2.3.127 - - | cut -d'|' -f2)" "set environment variable K=default" "CIDR /25: below it"
is "$(ans "$T/cidr.cdb" 2001:db8:ffff::1 - - | cut -d'|' -f1,2)" "rule 2001:db8::/32:|set environment variable K=v6" "CIDR IPv6 /32"
is "$(ans "$T/cidr.cdb" 2001:db8:1:2::1 - - | cut -d'|' -f1,2)" "rule 2001:db8:1::/48:|deny connection" "CIDR IPv6: the longer prefix wins"
is "$(ans "$T/cidr.cdb" 2001:db9::1 - - | cut -d'|' -f2)" "set environment variable K=default" "CIDR IPv6: outside"

# environment
is "$(ans "$T/cidr.cdb" ::ffff:10.1.1.1 - - | cut -d'|' -f2)" "deny connection" "a v4-mapped address is looked up as IPv4"
is "$(env -u TCPREMOTEIP TCP6REMOTEIP=2001:db8:1::1 "$BIN/tcprulescheck" "$T/cidr.cdb" | tr '\n' '|')" "rule 2001:db8:1::/48:|deny connection|" \
  "TCP6REMOTEIP is read when TCPREMOTEIP is unset"
printf 'joe@=h6.example:deny\n' | "$BIN/tcprules" "$T/six.cdb" "$T/six.tmp"
is "$(env -u TCPREMOTEIP -u TCPREMOTEHOST -u TCPREMOTEINFO TCP6REMOTEIP=::1 TCP6REMOTEHOST=h6.example TCP6REMOTEINFO=joe "$BIN/tcprulescheck" "$T/six.cdb" | tr '\n' '|')" \
  "rule joe@=h6.example:|deny connection|" "TCP6REMOTEHOST and TCP6REMOTEINFO too"
is "$(ans "$T/cidr.cdb" - - - )" "rule :|set environment variable K=default|allow connection| (exit 0)" "no TCPREMOTEIP: 0.0.0.0, as djb's"

# errors
"$BIN/tcprulescheck" > /dev/null 2> "$T/err"; st=$?
is "$st $(cat "$T/err")" "100 tcprulescheck: usage: tcprulescheck rules.cdb" "no argument: usage, exit 100"
"$BIN/tcprulescheck" "$T/none.cdb" > /dev/null 2> "$T/err"; st=$?
like "$st $(cat "$T/err")" "^111 tcprulescheck: fatal: unable to read .*none\.cdb: No such file" "a missing CDB: exit 111"
printf 'short' > "$T/short.cdb"
"$BIN/tcprulescheck" "$T/short.cdb" > /dev/null 2> "$T/err"; st=$?
like "$st $(cat "$T/err")" "^111 tcprulescheck: fatal: unable to read " "a file too short to be a CDB: exit 111"
done_testing
