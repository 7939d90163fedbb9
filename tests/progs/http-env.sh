#!/bin/sh
# prog: HTTP/1.0 answer whose body is the environment (sorted, NAME=value lines).
cr=$(printf '\r')
while IFS= read -r line; do
  line=${line%"$cr"}
  [ -z "$line" ] && break
done
body=$(env | LC_ALL=C sort)
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n%s\n' "$body"
