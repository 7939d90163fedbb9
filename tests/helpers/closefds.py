#!/usr/bin/env python3
"""closefds.py [-k FD]... prog...: runs prog with only fds 0, 1, 2 (and each -k FD)
open, so that descriptors leaked by whatever started the test do not reach the
server under test and cannot be mistaken for its own leaks."""
import os
import sys

args = sys.argv[1:]
keep = {0, 1, 2}
while len(args) >= 2 and args[0] == "-k":
    keep.add(int(args[1]))
    args = args[2:]
if not args:
    sys.exit("usage: closefds.py [-k FD]... prog...")
for fd in os.listdir("/proc/self/fd"):
    fd = int(fd)
    if fd not in keep:
        try:
            os.close(fd)
        except OSError:
            pass
for fd in keep - {0, 1, 2}:
    os.set_inheritable(fd, True)
os.execvp(args[0], args)
