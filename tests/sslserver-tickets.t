#!/bin/sh
# sslserver session tickets: TICKETKEYFILE shared by two sslserver processes
# (each resumes the other's sessions, TLS 1.3 and 1.2), none without it,
# rotation without restart (the file is re-read when it changes), a bad new
# file keeps the old keys, NORESUME turns resumption off, bad files fatal at
# start-up.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 18
make_pki

# sc PORT NAME ARGS...: openssl s_client; output in $T/NAME.sc
sc() {
  _p=$1 _sc=$2; shift 2
  timeout -k 2 20 openssl s_client -connect "127.0.0.1:$_p" -CAfile "$PKI/ca.pem" -ign_eof \
    "$@" < /dev/null > "$T/$_sc.sc" 2>&1
}
reused() { grep -q '^Reused, ' "$T/$1.sc"; }
new() { grep -q '^New, ' "$T/$1.sc"; }

openssl rand 80 > "$T/k1"
openssl rand 80 > "$T/k2"
cp "$T/k1" "$T/tk"

SRV_ENV="TICKETKEYFILE=$T/tk" start_server a -v $NODNS 127.0.0.1 0 "$PROGS/env.sh"
PA=$PORT; PIDA=$SPID
SRV_ENV="TICKETKEYFILE=$T/tk" start_server b -v $NODNS 127.0.0.1 0 "$PROGS/env.sh"
PB=$PORT
sc "$PA" a13 -sess_out "$T/a13.sess"
sc "$PB" b13 -sess_in "$T/a13.sess"
reused b13; ok $? "TLS 1.3: a session from server A resumes on server B (same TICKETKEYFILE)"
grep -q '^SSL_SESSION_RESUMED=Resumed' "$T/b13.sc"; ok $? "TLS 1.3: B's program sees SSL_SESSION_RESUMED=Resumed"
sc "$PB" chain1 -sess_in "$T/a13.sess" -sess_out "$T/chain.sess"
sc "$PA" chain2 -sess_in "$T/chain.sess"
reused chain1 && grep -q 'New Session Ticket arrived' "$T/chain1.sc" && reused chain2
ok $? "TLS 1.3: a resumed client gets a new ticket, and it resumes on the other server"
sc "$PB" b12 -tls1_2 -sess_out "$T/b12.sess"
sc "$PA" a12 -tls1_2 -sess_in "$T/b12.sess"
reused a12; ok $? "TLS 1.2: a session from server B resumes on server A"

# without the file each process has keys of its own
start_server c $NODNS 127.0.0.1 0 "$PROGS/env.sh"
PC=$PORT
sc "$PC" c1 -sess_out "$T/c.sess"
sc "$PC" c2 -sess_in "$T/c.sess"
reused c2; ok $? "without TICKETKEYFILE: the same process resumes its sessions"
sc "$PA" c3 -sess_in "$T/c.sess"
new c3; ok $? "without TICKETKEYFILE: another process does not (full handshake)"
stop_server

# rotation: a new key in front, the old one behind it
sleep 1.1   # the file is looked at most once a second
cat "$T/k2" "$T/k1" > "$T/tk.new" && mv "$T/tk.new" "$T/tk"
sc "$PA" rot1 -sess_out "$T/rot1.sess"
wait_grep "$T/a.log" '^sslserver: ticket keys reloaded$' 50
ok $? "rotation: A logs 'ticket keys reloaded' (-v) for the next connection after the change"
sc "$PA" rot2 -sess_in "$T/a13.sess"
reused rot2; ok $? "rotation: a session under the old key still resumes"
sc "$PB" rot3 -sess_in "$T/rot1.sess"
reused rot3; ok $? "rotation: B re-reads the file too and resumes A's session under the new key"
sleep 1.1
cp "$T/k2" "$T/tk.new" && mv "$T/tk.new" "$T/tk"
sc "$PA" rot4 -sess_in "$T/a13.sess"
new rot4; ok $? "rotation: with the old key gone, its sessions no longer resume"
sc "$PA" rot5 -sess_in "$T/rot1.sess"
reused rot5; ok $? "rotation: sessions under the remaining key do"

# a bad new file: the old keys stay, one warning
sleep 1.1
printf 'short' > "$T/tk"
sc "$PA" bad1 -sess_in "$T/rot1.sess"
reused bad1; ok $? "bad new file: the old keys stay in use"
sc "$PA" bad2 -sess_in "$T/rot1.sess"
wait_grep "$T/a.log" '^sslserver: warning: keeping the old ticket keys: bad TICKETKEYFILE: .*/tk: not one or more keys of 80 bytes' 50
ok $? "bad new file: 'warning: keeping the old ticket keys' with the reason"
is "$(count_lines "$T/a.log" 'keeping the old ticket keys')" 1 "bad new file: warned once, not at every connection"
stop_server "$PIDA"

# NORESUME: no ticket, no session ID, nothing to resume
SRV_ENV="NORESUME=1" start_server n $NODNS 127.0.0.1 0 "$PROGS/env.sh"
sc "$PORT" n1 -sess_out "$T/n.sess"
grep -q '^SSL_PROTOCOL=TLSv1.3' "$T/n1.sc" && [ ! -e "$T/n.sess" ]
ok $? "NORESUME: TLS 1.3 works, and the client gets no session to resume"
sc "$PORT" n3 -tls1_2 -sess_out "$T/n12.sess"
grep -q '^SSL_PROTOCOL=TLSv1.2' "$T/n3.sc" && [ ! -e "$T/n12.sess" ]
ok $? "NORESUME: nor with TLS 1.2"
stop_server

# bad files at start-up
printf 'x' > "$T/short"
SRV_ENV="TICKETKEYFILE=$T/short" start_server f1 $NODNS 127.0.0.1 0 cat
like "$(cat "$T/f1.log")" '^sslserver: fatal: \(1[01][01]\) bad TICKETKEYFILE: .*/short: not one or more keys of 80 bytes' \
  "TICKETKEYFILE of the wrong size: fatal at start-up"
SRV_ENV="TICKETKEYFILE=$T/nonexistent" start_server f2 $NODNS 127.0.0.1 0 cat
like "$(cat "$T/f2.log")" '^sslserver: fatal: \(1[01][01]\) unable to read TICKETKEYFILE: .*/nonexistent: No such file' \
  "TICKETKEYFILE missing: fatal at start-up"
done_testing
