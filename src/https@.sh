#!/bin/sh
# https@ host [path [port [sslclient options...]]]: fetches https://host/path
# (port 443 by default) with an HTTP/1.0 GET and prints the body, CRs
# removed. Like ucspi-ssl's, it does not verify the server unless asked to
# (-x with -a or CAFILE).
host=${1-0}
path=${2-}
port=${3-443}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
sslclient=$(dirname "$0")/sslclient
[ -x "$sslclient" ] || sslclient=sslclient
hostport=$host
[ "$port" = 443 ] || hostport=$host:$port
case $hostport in *:*:*) hostport="[$host]:$port" ;; esac
[ "$port" = 443 ] && case $host in *:*) hostport="[$host]" ;; esac
# the request, then fd 7 stays open until the answer is in: a server may
# take an early close_notify for a client that gave up
printf 'GET /%s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$hostport" |
  "$sslclient" -XRHl0 -m "$@" -- "$host" "$port" sh -c 'cat >&7; exec tr -d "\r" <&6' |
  awk 'body { print; next } /^$/ { body = 1 }'
