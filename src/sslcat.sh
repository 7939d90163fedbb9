#!/bin/sh
# sslcat host [port [sslclient options...]]: connects with TLS (port 443 by
# default) and prints what the server sends, byte for byte.
host=${1-0}
port=${2-443}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
# the sslclient installed beside this script, else the one on $PATH
sslclient=$(dirname "$0")/sslclient
[ -x "$sslclient" ] || sslclient=sslclient
exec "$sslclient" -RHl0 -m "$@" -- "$host" "$port" sh -c 'exec cat <&6'
