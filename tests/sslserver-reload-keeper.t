#!/bin/sh
# SIGHUP reloads after the listener gave up root: the key keeper (a child
# that keeps root, reads the files the settings name and hands their bytes
# over) with SSL_CHROOT and -u/-g, with CERTDIR, CCAFILE and TICKETKEYFILE
# in a root-only directory, with a -3 password, and for sslhandle -U; the
# keeper holds nothing but its socket, and dies with the listener; no
# keeper when nothing is dropped.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP needs root"; exit 0; fi
plan 19
make_pki
sh "$HELPERS/pki-sni.sh" "$PKI" || diag "pki-sni.sh failed"
K=$T/keys
mkdir -m 700 "$K" "$K/sni" "$T/jail"
cp "$PKI/ec.pem" "$K/cert.pem"; cp "$PKI/ec.key" "$K/key.pem"; cp "$PKI/ca.pem" "$K/ca.pem"
cp "$PKI/sni/www-ec.pem" "$K/sni/"
head -c 160 /dev/urandom > "$K/tickets"
chmod 600 "$K"/*.pem "$K/tickets"

keeper() { ps -o pid= --ppid "$1" | tr -d ' '; }
sc() {  # sc NAME ARGS: s_client to $PORT, output in $T/NAME.sc
  _sc=$1; shift
  timeout -k 2 20 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$PKI/ca.pem" "$@" \
    </dev/null > "$T/$_sc.sc" 2>&1
}
subject() { sed -n 's/^subject=//p' "$T/$1.sc" | head -n 1; }
hup() {  # hup LOG N: SIGHUP, then wait for the Nth reload line of LOG
  signal_ours HUP "$SPID"
  _i=0
  while [ "$(count_lines "$1" 'TLS settings reloaded|reload failed')" -lt "$2" ] && [ $_i -lt 100 ]; do
    sleep 0.1; _i=$((_i + 1))
  done
}

# sslserver in a jail as 65534, every file outside the jail and root's alone
SRV_ENV="SSL_CHROOT=$T/jail CERTFILE=$K/cert.pem KEYFILE=$K/key.pem CERTDIR=$K/sni CCAFILE=$K/ca.pem TICKETKEYFILE=$K/tickets" \
  start_server j -v -u 65534 -g 65534 $NODNS 127.0.0.1 0 cat
KP=$(keeper "$SPID")
is "$(stat -c %u "/proc/$SPID") $(readlink "/proc/$SPID/root")" "65534 $T/jail" "the listener: 65534, in the jail"
is "$(stat -c %u "/proc/$KP") $(readlink "/proc/$KP/root")" "0 /" "the key keeper: root, outside the jail"
is "$(ls "/proc/$KP/fd" | sort -n | tr '\n' ' ')" "0 1 2 3 " \
  "the keeper holds descriptors 0-2 and its socket, not the listening socket"
cp "$PKI/rsa.pem" "$K/cert.pem"; cp "$PKI/rsa.key" "$K/key.pem"; cp "$PKI/sni/wild.pem" "$K/sni/"
hup "$T/j.log" 1
grep -q '^sslserver: TLS settings reloaded$' "$T/j.log"; ok $? "jailed as 65534: SIGHUP reloads"
sc j1
is "$(subject j1)" "CN = localhost, O = ucspi-tls test rsa" "the renewed certificate is served"
sc j2 -servername a.example.net
is "$(subject j2)" "CN = wildcard, O = sni wild" "a certificate added to the root-only CERTDIR is served"
grep -q "ucspi-tls test CA" "$T/j1.sc"; ok $? "the root-only CCAFILE's CA is still requested"
rm "$K/tickets"
hup "$T/j.log" 2
like "$(grep 'reload failed' "$T/j.log")" \
  "reload failed: unable to read TICKETKEYFILE: $T/keys/tickets: No such file or directory" \
  "a TICKETKEYFILE gone: one line naming it"
sc j3
is "$(subject j3)" "CN = localhost, O = ucspi-tls test rsa" "... and the context before it is kept"
signal_ours KILL "$SPID"; wait "$SPID" 2>/dev/null
_i=0; while [ -d "/proc/$KP" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
ok "$([ ! -d "/proc/$KP" ]; echo $?)" "the listener SIGKILLed: the keeper is gone too"

# -3: the password stays for reloads; a new key under the same password
openssl pkey -in "$PKI/rsa.key" -aes-256-cbc -passout "file:$PKI/enc.pass" -out "$T/rsaenc.key" 2>/dev/null
cp "$PKI/ec.pem" "$K/cert.pem"; cp "$PKI/enc.key" "$K/key.pem"
SRV_KEEP="-k 3" SRV_ENV="CERTFILE=$K/cert.pem KEYFILE=$K/key.pem" \
  start_server p -v -3 -u 65534 -g 65534 $NODNS 127.0.0.1 0 cat 3<"$PKI/enc.pass"
sc p1
is "$(subject p1)" "CN = localhost, O = ucspi-tls test ec" "-3: the encrypted key is used"
cp "$PKI/rsa.pem" "$K/cert.pem"; cp "$T/rsaenc.key" "$K/key.pem"
hup "$T/p.log" 1
grep -q '^sslserver: TLS settings reloaded$' "$T/p.log"; ok $? "-3: SIGHUP reloads a new encrypted key"
sc p2
is "$(subject p2)" "CN = localhost, O = ucspi-tls test rsa" "-3: the renewed certificate is served"
stop_server

# sslhandle -U
cp "$PKI/ec.pem" "$K/cert.pem"; cp "$PKI/ec.key" "$K/key.pem"
SSLSERVER=$BIN/sslhandle SRV_ENV="UID=65534 GID=65534 CERTFILE=$K/cert.pem KEYFILE=$K/key.pem" \
  start_server h -v -U -c 2 $NODNS 127.0.0.1 0 cat
_i=0; while [ "$(ps -o pid= --ppid "$SPID" | wc -l)" -lt 3 ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
is "$(ps -o user= --ppid "$SPID" | sort | uniq -c | tr -s ' ' | tr '\n' ',')" " 2 nobody, 1 root," \
  "sslhandle: two workers as nobody, one keeper as root"
cp "$PKI/rsa.pem" "$K/cert.pem"; cp "$PKI/rsa.key" "$K/key.pem"
hup "$T/h.log" 1
grep -q '^sslhandle: TLS settings reloaded$' "$T/h.log"; ok $? "sslhandle -U: SIGHUP reloads"
_i=0; while ! sc h1 || [ "$(subject h1)" != "CN = localhost, O = ucspi-tls test rsa" ] && [ $_i -lt 50 ]; do
  sleep 0.1; _i=$((_i + 1)); done
is "$(subject h1)" "CN = localhost, O = ucspi-tls test rsa" "sslhandle: the new workers serve the renewed certificate"
is "$(ps -o user= --ppid "$SPID" | grep -c root)" 1 "sslhandle: still one keeper"
stop_server
SSLSERVER=$BIN/sslserver

# nothing dropped: nothing kept
start_server n -v $NODNS 127.0.0.1 0 cat
is "$(keeper "$SPID")" "" "no -u, -g, -U or SSL_CHROOT: no keeper"
cp "$PKI/ec.pem" "$K/cert.pem"; cp "$PKI/ec.key" "$K/key.pem"
hup "$T/n.log" 1
grep -q '^sslserver: TLS settings reloaded$' "$T/n.log"; ok $? "... and SIGHUP reloads from the files as before"
stop_server
done_testing
