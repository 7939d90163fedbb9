#!/usr/bin/env python3
# prog: prints the descriptors it holds ("fds: 0 1 2") without opening any itself.
import os
fds = []
for fd in range(0, 4096):
    try:
        os.fstat(fd)
    except OSError:
        continue
    fds.append(str(fd))
print("fds: " + " ".join(fds), flush=True)
