#!/bin/sh
# prog: a tiny HTTP/1.0 server: reads the request head, answers 200 with a body
# that names the path asked for and the TLS parameters seen.
cr=$(printf '\r')
IFS= read -r req
while IFS= read -r line; do
  line=${line%"$cr"}
  [ -z "$line" ] && break
done
path=$(printf '%s\n' "$req" | cut -d' ' -f2)
body="hello $path from $SSLREMOTEIP over ${SSL_PROTOCOL:-?}
"
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
  "${#body}" "$body"
