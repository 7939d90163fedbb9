#!/bin/sh
# tcprules error paths: usage, bad lines (numbered message, exit 100, old CDB
# untouched, temp file removed), I/O errors (exit 111), huge lines, and the
# atomic replacement on success.
. "$(dirname "$0")/lib.sh"
R4=$TOP/.deps/ucspi-tcp/usr/bin/tcprules
plan 60

printf '1.2.3.4:allow,OLD="yes"\n' | "$BIN/tcprules" "$T/r.cdb" "$T/r.tmp"
cp "$T/r.cdb" "$T/old.cdb"

# run INPUT-TEXT: our tcprules on r.cdb; sets st and err
run() { printf "$1" | "$BIN/tcprules" "$T/r.cdb" "$T/r.tmp" 2> "$T/err"; st=$?; err=$(cat "$T/err"); }
intact() { cmp -s "$T/r.cdb" "$T/old.cdb" && [ ! -e "$T/r.tmp" ]; }

"$BIN/tcprules" > /dev/null 2> "$T/err" < /dev/null; st=$?
is "$st $(cat "$T/err")" "100 tcprules: usage: tcprules rules.cdb rules.tmp" "no arguments: usage, exit 100"
"$BIN/tcprules" "$T/r.cdb" > /dev/null 2> "$T/err" < /dev/null; st=$?
is "$st" 100 "one argument: exit 100"
intact; ok $? "usage errors leave rules.cdb alone"

# bad lines: NAME|INPUT|LINE (the line number the message must name)
while IFS='|' read -r name input line; do
  run "$input"
  like "$st $err" "^100 tcprules: fatal: unable to parse line $line: " "$name: exit 100, message names line $line"
  intact; ok $? "$name: old rules.cdb intact, no temp file left"
  if [ -x "$R4" ]; then
    printf "$input" | timeout 10 "$R4" "$T/ref.cdb" "$T/ref.tmp" 2>/dev/null; rst=$?
    is "$rst" 100 "$name: djb's tcprules refuses it too"
  else
    echo "ok $((_n += 1)) # skip reference tcprules missing"
  fi
done <<'EOF'
misspelt instruction|1.1.1.1:allow\n2.2.2.2:alow\n|2
no closing quote|# c\n\n1.1.1.1:allow,X="open\n|3
no equals sign|1.1.1.1:allow,X\n|1
no value|1.1.1.1:allow,X=\n|1
text after a value|1.1.1.1:allow,X="a"junk\n|1
blank before a comma|1.1.1.1:allow ,X="a"\n|1
DOS line ends|1.1.1.1:allow\r\n|1
bad range|1.1.1.a-5:allow\n|1
IPv6 range|::1-5:allow\n|1
EOF
like "$(run '1.1.1.1:allow\r\n'; echo "$err")" "DOS line ends" "a carriage return is named as such"

# our own checks for CIDR
for bad in 10.0.0.1/8 10.0.0.0/33 10.0.0.0/0 10.0.0/8 2001:db8::1/32 2001:db8::/129 2001:zz::/32 1.2.3.0-9/24 10.0.0.0/x; do
  run "1.1.1.1:allow\n$bad:deny\n"
  [ "$st" = 100 ] && echo "$err" | grep -q "line 2: " && intact || { diag "$bad: $st $err"; false; }
  ok $? "bad CIDR $bad: exit 100, line 2, old CDB intact"
done

# a line over the limit, and an endless one: refused without reading it all
head -c 200000 /dev/zero | tr '\0' x | { cat; echo ':allow'; } > "$T/long.txt"
"$BIN/tcprules" "$T/r.cdb" "$T/r.tmp" < "$T/long.txt" 2> "$T/err"; st=$?
like "$st $(cat "$T/err")" "^100 tcprules: fatal: line 1 is too long" "a 200000-byte line: exit 100, clear message"
intact; ok $? "a huge line leaves the old CDB intact"
yes 1.1.1.1 | tr -d '\n' | timeout 20 "$BIN/tcprules" "$T/r.cdb" "$T/r.tmp" 2> "$T/err"; st=$?
is "$st" 100 "an endless line is refused (bounded memory)"

# I/O errors: exit 111
"$BIN/tcprules" "$T/r.cdb" "$T/nodir/r.tmp" < /dev/null 2> "$T/err"; st=$?
like "$st $(cat "$T/err")" "^111 tcprules: fatal: unable to create .*nodir/r\.tmp: No such file" "temp file in a missing directory: exit 111"
touch "$T/file"
"$BIN/tcprules" "$T/file/r.cdb" "$T/r.tmp" < /dev/null 2> "$T/err"; st=$?
like "$st $(cat "$T/err")" "^111 tcprules: fatal: unable to move .*r\.tmp to .*file/r\.cdb" "rename into a non-directory: exit 111"
[ ! -e "$T/r.tmp" ]; ok $? "the temp file is removed after a failed rename"
(trap '' XFSZ; ulimit -f 1; yes '1.2.3.4:allow,X="a long enough value to pass the one-block limit"' | head -500 |
  "$BIN/tcprules" "$T/r.cdb" "$T/r.tmp" 2> "$T/err"); st=$?
like "$st $(cat "$T/err")" "^111 tcprules: fatal: unable to write to .*r\.tmp" "a write error (file size limit): exit 111"
intact; ok $? "a write error leaves the old CDB intact"
"$BIN/tcprules" "$T/r.cdb" "$T/r.tmp" < "$T" 2> "$T/err"; st=$?
like "$st $(cat "$T/err")" "^111 tcprules: fatal: unable to read input" "unreadable input: exit 111"
"$BIN/tcprules" "$T/r.cdb" "$T/r.cdb" < /dev/null 2> "$T/err"; st=$?
is "$st" 100 "the same name for rules.cdb and rules.tmp: exit 100"
ln "$T/r.cdb" "$T/hard.tmp"
"$BIN/tcprules" "$T/r.cdb" "$T/hard.tmp" < /dev/null 2> "$T/err"; st=$?
is "$st" 100 "a hard link of rules.cdb as rules.tmp: exit 100"
rm -f "$T/hard.tmp"
intact; ok $? "and rules.cdb is intact"

# a rule typed without its colon is refused like any malformed line (djb's
# tcprules ignores it, silently dropping a deny; Debian's IPv6 one loops)
run "1.1.1.1:allow\n1.2.3.4 deny\n"
is "$st $err" "100 tcprules: fatal: unable to parse line 2: no colon before allow or deny: 1.2.3.4 deny" \
  "a line without a colon: one line naming it, exit 100"
intact; ok $? "a line without a colon: old rules.cdb intact, no temp file left"
run "# c\n  # indented comment\n\nwords only\n"
like "$st $err" "^100 tcprules: fatal: unable to parse line 4: no colon before allow or deny: words only$" \
  "text without a colon after comments and a blank line: line 4, exit 100"

# an IPv6 address spelt otherwise than servers print it: a warning, still written
run "2001:DB8::1:allow\n::ffff:1.2.3.4:deny\n2001:db8::2:allow\n"
like "$st $err" "^0 tcprules: warning: line 1: clients at this address are looked up as 2001:db8::1, " "upper-case IPv6: warning"
like "$err" "line 2: clients at this address are looked up as 1\.2\.3\.4," "v4-mapped IPv6: warning"
is "$(echo "$err" | grep -c warning)" 2 "no warning for a rule in the printed form"

# success: the new CDB replaces the old one by rename (a new inode), temp gone
ino=$(stat -c %i "$T/r.cdb")
run "5.5.5.5:allow,NEW=\"yes\"\n"
is "$st" 0 "good input: exit 0"
[ "$(stat -c %i "$T/r.cdb")" != "$ino" ] && [ ! -e "$T/r.tmp" ] && cdb -q "$T/r.cdb" 5.5.5.5 | grep -q NEW
ok $? "the new CDB was renamed into place"
done_testing
