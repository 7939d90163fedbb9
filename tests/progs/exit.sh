#!/bin/sh
# prog: exit.sh N: reads one line, answers "got LINE", exits with status N.
IFS= read -r line
printf 'got %s\n' "$line"
exit "$1"
