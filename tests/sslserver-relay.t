#!/bin/sh
# The relay's edges that the other tests leave out, in both phases: the
# clear text of -n (before or without STARTTLS) and TLS. -B in clear text;
# half-close both ways in clear text with 300 kB; a program that exits
# while the client still sends (EPIPE), in clear text and in TLS; a program
# that exits without reading (its input pipe reports the reader gone); bytes
# held after STARTTLS pass once the program answers without starting TLS.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 19
make_pki

rc() { timeout -k 2 30 python3 "$HELPERS/relayclient.py" 127.0.0.1 "$PORT" "$@"; }

# ---- clear text (-n, the program never starts TLS)
start_server hc -n -B 'hello banner
' $NODNS 127.0.0.1 0 sh -c 'sha256sum; echo after-eof'
head -c 300000 /dev/urandom > "$T/hc.bin"
want=$(sha256sum < "$T/hc.bin")
rc halfclose --file "$T/hc.bin" > "$T/hc.out"
ok $? "-n: 300 kB of clear text and the client's FIN"
is "$(sed -n 1p "$T/hc.out")" "hello banner" "-n -B: the banner comes first, in clear text"
is "$(sed -n 2p "$T/hc.out")" "$want" "-n half-close: prog got all 300 kB, then EOF"
is "$(sed -n 3p "$T/hc.out")" "after-eof" "-n half-close: prog's output after its EOF reaches the client"
stop_server

start_server hs -n $NODNS 127.0.0.1 0 sh -c 'echo ready; exec 1>&-; IFS= read -r x; echo "$x" > "$0"' "$T/hs.mark"
out=$(rc late --send 'late line\n' --mark "$T/hs.mark")
ok $? "-n half-close: prog's closed output becomes a FIN"
is "$out" "ready" "-n half-close: the client reads prog's output up to its close"
wait_file "$T/hs.mark" 50
is "$(cat "$T/hs.mark" 2>/dev/null)" "late line" "-n half-close: what the client sends afterwards still reaches prog"
stop_server

start_server gone -v -n $NODNS 127.0.0.1 0 sh -c 'IFS= read -r x; echo "$x" > "$0"; echo "got $x"' "$T/gone.mark"
rc flood --send 'first\n' --flood 2000000 > "$T/gone.out"
ok $? "-n, prog exits while the client still sends: the connection ends"
is "$(cat "$T/gone.mark" 2>/dev/null)" "first" "-n: prog read its line before it left"
wait_grep "$T/gone.log" '^sslserver: ended by [0-9]+ status 0$' 50
ok $? "-n: the connection child ends and reaps prog"
out=$(rc halfclose --send 'again\n')
is "$out" "got again" "-n: the server still serves after that"
stop_server

start_server noread -n $NODNS 127.0.0.1 0 sh -c 'exec 0<&-; echo bye'
out=$(rc late --mark "$T/none" --timeout 10)
ok $? "-n, prog exits without reading: the connection ends without the client's FIN"
is "$out" "bye" "-n: prog's output arrives"
stop_server

start_server hold -n $NODNS 127.0.0.1 0 "$TOP/tests/progs/starttls.py" smtp "$T/hold.prog" --cmd none
out=$(rc halfclose --send 'STARTTLS\r\nQUIT\r\n' | tr -d '\r' | tr '\n' '|')
like "$out" '220 2\.0\.0 Ready to start TLS.*221 2\.0\.0 bye' \
  "-n: what followed STARTTLS passes once prog answers without starting TLS"
like "$(cat "$T/hold.prog")" 'plain QUIT' "-n: prog read the held QUIT in clear text"
stop_server

# ---- TLS
start_server tgone -v $NODNS 127.0.0.1 0 sh -c 'IFS= read -r x; echo "$x" > "$0"; echo "got $x"' "$T/tgone.mark"
rc flood --tls --send 'first\n' --flood 2000000 > "$T/tgone.out"
ok $? "TLS, prog exits while the client still sends: the connection ends"
is "$(cat "$T/tgone.mark" 2>/dev/null)" "first" "TLS: prog read its line before it left"
wait_grep "$T/tgone.log" '^sslserver: ended by [0-9]+ status 0$' 50
ok $? "TLS: the connection child ends and reaps prog"
out=$(tlsc 127.0.0.1 "$PORT" --send 'again\n')
is "$out" "got again" "TLS: the server still serves after that"
stop_server
done_testing
