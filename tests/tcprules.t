#!/bin/sh
# tcprules: the corpus in tests/data/rules compiled by our tcprules and by the
# reference tcprules (Debian's ucspi-tcp and ucspi-tcp-ipv6) gives byte-for-byte
# the same CDB; CIDR rules expand to the documented keys.
. "$(dirname "$0")/lib.sh"
D=$TOP/tests/data/rules
R4=$TOP/.deps/ucspi-tcp/usr/bin/tcprules
R6=$TOP/.deps/ucspi-tcp-ipv6/usr/bin/tcprules
files=$(cd "$D" && ls *.txt)
plan $(( $(echo "$files" | wc -l) * 2 + 9 ))

# dump FILE.cdb: the records in file order, NULs shown as |
dump() { cdb -d "$1" | tr '\0' '|'; }

for f in $files; do
  oracle=$(sed -n '1s/^# oracle: //p' "$D/$f")
  refs=""
  case $oracle in
    djb) refs="$R4" ;; ipv6) refs="$R6" ;; both) refs="$R4 $R6" ;;
  esac
  "$BIN/tcprules" "$T/ours.cdb" "$T/ours.tmp" < "$D/$f" 2>"$T/ours.err"
  ok $? "$f: our tcprules exits 0"
  same=0; checked=0; missing=""
  for r in $refs; do
    if [ ! -x "$r" ]; then missing="$missing $r"; continue; fi
    rm -f "$T/ref.cdb"
    timeout 20 "$r" "$T/ref.cdb" "$T/ref.tmp" < "$D/$f" 2>/dev/null || { same=1; diag "$f: $r failed"; continue; }
    checked=$((checked + 1))
    if ! cmp -s "$T/ref.cdb" "$T/ours.cdb"; then
      same=1
      dump "$T/ref.cdb" > "$T/ref.dump"; dump "$T/ours.cdb" > "$T/ours.dump"
      diff "$T/ref.dump" "$T/ours.dump" | head -10 | sed 's/^/# /'
    fi
  done
  if [ -n "$missing" ] || [ -z "$refs" ]; then
    echo "ok $((_n += 1)) # skip $f: reference tcprules missing:$missing"
    continue
  fi
  ok "$([ $same = 0 ] && [ $checked -gt 0 ]; echo $?)" "$f: byte-for-byte the CDB of the reference ($oracle)"
done

# CIDR: the keys each rule stands for
cidr() { printf '%s:allow\n' "$1" | "$BIN/tcprules" "$T/c.cdb" "$T/c.tmp" &&  cdb -l "$T/c.cdb" | sed -n 's/^+[0-9]*://p' | tr '\n' ' '; }
is "$(cidr 10.0.0.0/8)" "10. " "10.0.0.0/8 is the djb prefix 10."
is "$(cidr 172.16.0.0/16)" "172.16. " "172.16.0.0/16 is 172.16."
is "$(cidr 192.168.4.0/22)" "192.168.4. 192.168.5. 192.168.6. 192.168.7. " "192.168.4.0/22 is four /24 prefixes"
is "$(cidr 1.2.3.4/32)" "1.2.3.4 " "a /32 is the address"
is "$(cidr 1.2.3.4/30)" "1.2.3.4 1.2.3.5 1.2.3.6 1.2.3.7 " "a /30 is its four addresses"
is "$(cidr 126.0.0.0/7)" "126. 127. " "a /7 is two first-part prefixes"
# fehcom's bit key for 2001:db8::/32: 0x2001 0x0db8 with the set bits lettered from 0x60
is "$(cidr 2001:db8::/32)" '^00`000000000000a0000bc0de0fgh000 ' "2001:db8::/32 is fehcom's IPv6 bit key"
is "$(cidr ::ffff:10.0.0.0/104)" "10. " "a v4-mapped network is the IPv4 network"
rk=$(printf '10.0.0.0/8:deny\n' | timeout 20 "$R4" "$T/r.cdb" "$T/r.tmp" 2>/dev/null && cdb -l "$T/r.cdb")
like "$rk" '10\.0\.0\.0/8' "(djb's tcprules writes a CIDR rule as a literal key, which no lookup finds)"
done_testing
