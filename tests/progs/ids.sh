#!/bin/sh
# prog: prints its own uid/gid/groups and the uid/gid of its parent (the TLS relay).
ruid=$(awk '/^Uid:/ {print $2}' /proc/$PPID/status 2>/dev/null)
rgid=$(awk '/^Gid:/ {print $2}' /proc/$PPID/status 2>/dev/null)
printf 'uid=%s gid=%s groups=%s\nrelay uid=%s gid=%s\nSSL_USER=%s\n' \
  "$(id -u)" "$(id -g)" "$(id -G | tr ' ' ,)" "${ruid:-?}" "${rgid:-?}" "${SSL_USER-unset}"
