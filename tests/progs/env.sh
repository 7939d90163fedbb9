#!/bin/sh
# prog: prints its environment (sorted, one NAME=value a line) and leaves.
env | LC_ALL=C sort
