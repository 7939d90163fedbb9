#!/bin/sh
# prog: marker.sh PATH [prog...]: records that a program was started, then runs
# prog (default cat). PATH a directory: adds PATH/started.PID; else creates PATH.
m=$1; shift
if [ -d "$m" ]; then : > "$m/started.$$"; else : > "$m"; fi
[ $# -gt 0 ] || set -- cat
exec "$@"
