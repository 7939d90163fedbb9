#!/bin/sh
# sslserver run as root: -u/-g/-U drop the listener's and prog's ids for good
# (after the key was loaded); SSL_USER/SSL_UID/SSL_GROUP are the ids the
# certificate and key are read as; SSL_CHROOT jails the server before serving.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 20
make_pki
if [ "$(id -u)" != 0 ]; then
  # not skipped: these tests need root, and their failure says so
  diag "sslserver-privs.t must run as root (uid $(id -u))"
fi
# nobody must reach the progs and the key copies below
chmod 711 "$T"
mkdir -p "$T/keys"; chmod 755 "$T/keys"
cp "$PKI/ec.pem" "$T/keys/cert.pem"; chmod 644 "$T/keys/cert.pem"
cp "$PKI/ec.key" "$T/keys/root.key"; chmod 600 "$T/keys/root.key"
cp "$PKI/ec.key" "$T/keys/nobody.key"; chmod 600 "$T/keys/nobody.key"; chown 65534:65534 "$T/keys/nobody.key"
cp "$PKI/ec.key" "$T/keys/group.key"; chmod 640 "$T/keys/group.key"; chown 0:65534 "$T/keys/group.key"
CERTFILE=$T/keys/cert.pem KEYFILE=$T/keys/root.key
export CERTFILE KEYFILE
# prog as well: the checkout itself may sit under a directory nobody cannot enter
IDS=$T/ids.sh
cp "$PROGS/ids.sh" "$IDS"; chmod 755 "$IDS"

ids() { tlsc 127.0.0.1 "$PORT" 2>/dev/null; }
status_ids() { awk '/^(Uid|Gid|Groups):/ {$1=$1; print}' "/proc/$1/status" 2>/dev/null | tr '\n' ';'; }

# baseline: no options, everything stays root
start_server root $NODNS 127.0.0.1 0 "$IDS"
like "$(ids)" '^uid=0 gid=0 ' "without -u/-g prog runs as root"
stop_server

# -u/-g with a key only root can read
start_server ug -u 65534 -g 65534 $NODNS 127.0.0.1 0 "$IDS"
out=$(ids)
like "$out" '^uid=65534 gid=65534 groups=65534$' "-u 65534 -g 65534: prog's uid, gid and only group"
like "$out" 'relay uid=65534 gid=65534' "-u/-g: the TLS relay (prog's parent) runs as 65534 too"
is "$(status_ids "$SPID")" "Uid: 65534 65534 65534 65534;Gid: 65534 65534 65534 65534;Groups: 65534;" \
  "-u/-g: the listener dropped real, effective and saved ids and groups"
stop_server

# -U: from $UID and $GID (as envuidgid sets them)
SRV_ENV="UID=65534 GID=65534" start_server U -U $NODNS 127.0.0.1 0 "$IDS"
like "$(ids)" '^uid=65534 gid=65534 groups=65534$' "-U: ids from \$UID and \$GID"
stop_server

# -u alone keeps the group; -g alone keeps the user
start_server u -u 65534 $NODNS 127.0.0.1 0 "$IDS"
like "$(ids)" '^uid=65534 gid=0 ' "-u alone: user 65534, group unchanged"
stop_server
start_server g -g 65534 $NODNS 127.0.0.1 0 "$IDS"
like "$(ids)" '^uid=0 gid=65534 groups=65534$' "-g alone: group 65534 (and only it), user unchanged"
stop_server

# SSL_USER: the key is read as that user
SRV_ENV="SSL_USER=nobody KEYFILE=$T/keys/nobody.key" start_server su $NODNS 127.0.0.1 0 "$IDS"
out=$(ids)
like "$out" '^uid=' "SSL_USER=nobody: a key readable by nobody loads, the server runs"
like "$out" '^uid=0 gid=0 ' "SSL_USER=nobody without -u: prog still runs as root"
like "$out" 'SSL_USER=nobody' "SSL_USER stays in prog's environment"
stop_server

SRV_ENV="SSL_USER=nobody" start_server su2 $NODNS 127.0.0.1 0 "$IDS"
ok "$([ -z "$PORT" ] && grep -q '^sslserver: error: (111) unable to load key: ' "$T/su2.log"; echo $?)" \
  "SSL_USER=nobody: a key only root may read is a fatal error"
SRV_ENV="SSL_UID=65534" start_server su3 $NODNS 127.0.0.1 0 "$IDS"
ok "$([ -z "$PORT" ] && grep -q '^sslserver: error: (111) unable to load key: ' "$T/su3.log"; echo $?)" \
  "SSL_UID=65534: a key only root may read is a fatal error"
SRV_ENV="SSL_UID=65534 KEYFILE=$T/keys/nobody.key" start_server su4 $NODNS 127.0.0.1 0 "$IDS"
like "$(ids)" '^uid=0 ' "SSL_UID=65534: a key readable by 65534 loads"
stop_server
SRV_ENV="SSL_UID=65534 SSL_GROUP=nogroup KEYFILE=$T/keys/group.key" \
  start_server su5 $NODNS 127.0.0.1 0 "$IDS"
like "$(ids)" '^uid=0 ' "SSL_UID with SSL_GROUP=nogroup: a group-readable key loads"
stop_server
SRV_ENV="SSL_UID=65534 KEYFILE=$T/keys/group.key" start_server su6 $NODNS 127.0.0.1 0 "$IDS"
ok "$([ -z "$PORT" ]; echo $?)" "SSL_UID without SSL_GROUP: the group-readable key is refused"
SRV_ENV="SSL_USER=no-such-user-here" start_server su7 $NODNS 127.0.0.1 0 "$IDS"
ok "$([ -z "$PORT" ] && grep -q 'no-such-user-here' "$T/su7.log"; echo $?)" \
  "an unknown SSL_USER is a fatal error naming it"

# SSL_CHROOT: prog is found inside the jail (a copy of dash and its libraries)
J=$T/jail
mkdir -p "$J/bin"
cp /bin/dash "$J/bin/sh"
for lib in $(ldd /bin/dash | grep -o '/[^ ]*'); do
  mkdir -p "$J$(dirname "$lib")"; cp "$lib" "$J$lib"
done
: > "$J/INSIDE-THE-JAIL"
SRV_ENV="SSL_CHROOT=$J" start_server ch $NODNS 127.0.0.1 0 \
  /bin/sh -c 'if [ -e /INSIDE-THE-JAIL ]; then echo jailed; else echo free; fi'
is "$(ids)" "jailed" "SSL_CHROOT: prog runs inside the jail"
ok "$([ "$(readlink "/proc/$SPID/root")" = "$J" ]; echo $?)" "SSL_CHROOT: the listener's root is the jail"
stop_server
SRV_ENV="SSL_CHROOT=$J" start_server chu -u 65534 -g 65534 $NODNS 127.0.0.1 0 \
  /bin/sh -c 'if [ -e /INSIDE-THE-JAIL ]; then echo jailed; else echo free; fi'
is "$(ids)" "jailed" "SSL_CHROOT with -u/-g: key read before the jail, prog inside it"
stop_server
SRV_ENV="SSL_CHROOT=$T/no-such-dir" start_server ch2 $NODNS 127.0.0.1 0 cat
ok "$([ -z "$PORT" ] && grep -q '^sslserver: fatal: ' "$T/ch2.log"; echo $?)" \
  "SSL_CHROOT to a missing directory is a fatal error"
done_testing
