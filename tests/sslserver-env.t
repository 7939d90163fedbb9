#!/bin/sh
# sslserver: the environment prog gets (PROTO, SSL*, the mod_ssl TLS variables,
# TCP*/TCP6* only with -e) and the descriptors it holds (exactly 0, 1, 2).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 44
make_pki

# envof NAME CLIENT-ARGS...: runs a client against $PORT, listing in $T/NAME.env
envof() {
  _nm=$1; shift
  tlsc "$@" --info "$T/$_nm.info" > "$T/$_nm.env" 2>"$T/$_nm.err"
}
v() { envval "$T/$1.env" "$2"; }

# Default (-E): IPv4
SRV_ENV="SERVER_ONLY_VAR=inherited"
start_server e4 $NODNS 127.0.0.1 0 "$PROGS/env.sh"
SRV_ENV=""
envof a 127.0.0.1 "$PORT"
read -r proto cipher cport < "$T/a.info" 2>/dev/null || { proto=?; cipher=?; cport=?; }
is "$(v a PROTO)" "TLS" "PROTO=TLS by default"
is "$(v a SSLLOCALIP)" "127.0.0.1" "SSLLOCALIP"
is "$(v a SSLLOCALPORT)" "$PORT" "SSLLOCALPORT is the listening port"
is "$(v a SSLLOCALHOST)" "localhost" "SSLLOCALHOST from -l"
is "$(v a SSLREMOTEIP)" "127.0.0.1" "SSLREMOTEIP"
is "$(v a SSLREMOTEPORT)" "$cport" "SSLREMOTEPORT is the client's port"
is "$(v a SSLREMOTEHOST)" "<unset>" "no SSLREMOTEHOST with -H"
is "$(v a SSLREMOTEINFO)" "<unset>" "no SSLREMOTEINFO without -r"
is "$(grep -Ec '^TCP6?[A-Z]*=' "$T/a.env")" 0 "no TCP* or TCP6* variables by default (-E)"
is "$(v a SSL_PROTOCOL)" "$proto" "SSL_PROTOCOL is the version the client negotiated"
is "$(v a SSL_CIPHER)" "$cipher" "SSL_CIPHER is the client's cipher suite"
case $cipher in *AES_128*|*AES128*) bits=128 ;; *) bits=256 ;; esac
is "$(v a SSL_CIPHER_USEKEYSIZE)" "$bits" "SSL_CIPHER_USEKEYSIZE=$bits for $cipher"
is "$(v a SSL_CIPHER_ALGKEYSIZE)" "$bits" "SSL_CIPHER_ALGKEYSIZE=$bits for $cipher"
like "$(v a SSL_SESSION_ID)" '^[0-9A-Fa-f]{2,64}$' "SSL_SESSION_ID is hex"
is "$(v a SSL_VERSION_INTERFACE)" "ucspi-ssl" "SSL_VERSION_INTERFACE=ucspi-ssl, as ucspi-ssl sets it"
like "$(v a SSL_VERSION_LIBRARY)" '^OpenSSL 3\.' "SSL_VERSION_LIBRARY names OpenSSL 3"
is "$(v a SERVER_ONLY_VAR)" "inherited" "the server's own environment is passed on"
is "$(grep -Ec '^SSL_(CLIENT|SERVER)_' "$T/a.env")" 0 "no certificate variables without -s"

# a second connection gets its own session id
envof b 127.0.0.1 "$PORT"
ok "$([ "$(v a SSL_SESSION_ID)" != "$(v b SSL_SESSION_ID)" ]; echo $?)" \
  "each connection has its own SSL_SESSION_ID"

# TLS 1.2 with a chosen cipher suite: protocol, cipher and key sizes follow
envof c 127.0.0.1 "$PORT" --max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256
is "$(v c SSL_PROTOCOL)" "TLSv1.2" "SSL_PROTOCOL=TLSv1.2 for a TLS 1.2 client"
is "$(v c SSL_CIPHER)" "ECDHE-ECDSA-AES128-GCM-SHA256" "SSL_CIPHER for TLS 1.2 (OpenSSL name)"
is "$(v c SSL_CIPHER_USEKEYSIZE)" "128" "SSL_CIPHER_USEKEYSIZE=128 for AES128"
is "$(v c SSL_CIPHER_ALGKEYSIZE)" "128" "SSL_CIPHER_ALGKEYSIZE=128 for AES128"
stop_server

# -e over IPv4: the tcpserver set, PROTO=TCP, no TCP6*
start_server e4e -e $NODNS 127.0.0.1 0 "$PROGS/env.sh"
envof d 127.0.0.1 "$PORT"
cport=$(cut -d' ' -f3 "$T/d.info" 2>/dev/null)
is "$(v d PROTO)" "TCP" "-e: PROTO=TCP for an IPv4 client"
is "$(v d TCPLOCALIP)" "127.0.0.1" "-e: TCPLOCALIP"
is "$(v d TCPLOCALPORT)" "$PORT" "-e: TCPLOCALPORT"
is "$(v d TCPLOCALHOST)" "localhost" "-e: TCPLOCALHOST"
is "$(v d TCPREMOTEIP)" "127.0.0.1" "-e: TCPREMOTEIP"
is "$(v d TCPREMOTEPORT)" "$cport" "-e: TCPREMOTEPORT"
is "$(v d TCPREMOTEHOST)" "<unset>" "-e -H: no TCPREMOTEHOST"
is "$(grep -Ec '^TCP6' "$T/d.env")" 0 "-e: no TCP6* for an IPv4 client"
is "$(v d SSLREMOTEIP)" "127.0.0.1" "-e: the SSL* set is still there"
like "$(v d SSL_PROTOCOL)" '^TLSv1\.[23]$' "-e: the TLS variables are still there"
stop_server

# -e over IPv6: PROTO=TCP6 and the TCP6* set
start_server e6e -e $NODNS ::1 0 "$PROGS/env.sh"
envof f ::1 "$PORT"
cport=$(cut -d' ' -f3 "$T/f.info" 2>/dev/null)
is "$(v f PROTO)" "TCP6" "-e: PROTO=TCP6 for an IPv6 client"
is "$(v f TCP6REMOTEIP)" "::1" "-e: TCP6REMOTEIP"
is "$(v f TCP6REMOTEPORT)" "$cport" "-e: TCP6REMOTEPORT"
is "$(v f TCP6LOCALIP)" "::1" "-e: TCP6LOCALIP"
is "$(v f TCP6LOCALPORT)" "$PORT" "-e: TCP6LOCALPORT"
is "$(v f TCPREMOTEIP)" "::1" "-e: TCPREMOTEIP for an IPv6 client"
stop_server

# Dual stack (:0): an IPv4 client is known by its plain IPv4 address
start_server ds $NODNS :0 0 "$PROGS/env.sh"
envof g 127.0.0.1 "$PORT"
is "$(v g SSLREMOTEIP)" "127.0.0.1" "dual stack: IPv4 client as 127.0.0.1"
envof h ::1 "$PORT"
is "$(v h SSLREMOTEIP)" "::1" "dual stack: IPv6 client as ::1"
stop_server

# Descriptors: exactly 0, 1, 2 in prog; 2 is the server's stderr
start_server fd $NODNS 127.0.0.1 0 "$PROGS/fds.py"
is "$(tlsc 127.0.0.1 "$PORT")" "fds: 0 1 2" "prog holds exactly fds 0, 1, 2"
stop_server
start_server fd2 $NODNS 127.0.0.1 0 sh -c 'echo "prog stderr line $$" >&2; echo out'
is "$(tlsc 127.0.0.1 "$PORT")" "out" "prog's stdout reaches the client"
wait_grep "$T/fd2.log" '^prog stderr line [0-9]+$' 50
ok $? "prog's fd 2 is the server's stderr"
stop_server
done_testing
