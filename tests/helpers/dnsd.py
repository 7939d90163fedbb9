#!/usr/bin/env python3
"""A tiny authoritative-looking DNS responder for tests (UDP only, loopback only).

dnsd.py READYFILE [--ptr IP=NAME]... [--a NAME=IPV4]... [--aaaa NAME=IPV6]...
        [--log FILE] [--lifetime SECONDS]

Binds UDP port 53 on a free address 127.A.B.C (tried at random), writes that
address to READYFILE (for DNSCACHEIP), and answers PTR, A and AAAA queries from
the table given on the command line: a name with records gets them, a known
name asked for another type gets an empty NOERROR answer, anything else NXDOMAIN.
Every query is appended to --log as "TYPE NAME". Exits after --lifetime seconds.
"""
import argparse
import ipaddress
import os
import random
import socket
import struct
import sys
import time

TYPES = {1: "A", 12: "PTR", 28: "AAAA"}


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def decode_name(msg, pos):
    labels = []
    while True:
        n = msg[pos]
        if n == 0:
            return ".".join(labels).lower(), pos + 1
        if n & 0xC0:
            raise ValueError("compressed name in question")
        labels.append(msg[pos + 1:pos + 1 + n].decode("latin-1"))
        pos += 1 + n


def split(pairs):
    table = {}
    for item in pairs or []:
        k, v = item.split("=", 1)
        table.setdefault(k.lower().rstrip("."), []).append(v)
    return table


def build_table(a):
    recs = {}  # (name, type) -> [rdata]
    for ip, names in split(a.ptr).items():
        rev = ipaddress.ip_address(ip).reverse_pointer.lower()
        recs[(rev, 12)] = [encode_name(n) for n in names]
    for name, ips in split(a.a).items():
        recs[(name, 1)] = [socket.inet_pton(socket.AF_INET, i) for i in ips]
    for name, ips in split(a.aaaa).items():
        recs[(name, 28)] = [socket.inet_pton(socket.AF_INET6, i) for i in ips]
    return recs


def answer(msg, recs, log):
    qid, flags, qd = struct.unpack(">HHH", msg[:6])
    if qd != 1:
        return None
    name, pos = decode_name(msg, 12)
    qtype, qclass = struct.unpack(">HH", msg[pos:pos + 4])
    question = msg[12:pos + 4]
    if log:
        with open(log, "a") as f:
            f.write("%s %s\n" % (TYPES.get(qtype, str(qtype)), name))
    rdatas = recs.get((name, qtype), [])
    known = any(k[0] == name for k in recs)
    rcode = 0 if known else 3
    rflags = 0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | rcode  # QR AA RD RA
    out = struct.pack(">HHHHHH", qid, rflags, 1, len(rdatas), 0, 0) + question
    for rd in rdatas:
        out += b"\xc0\x0c" + struct.pack(">HHIH", qtype, 1, 60, len(rd)) + rd
    return out


def bind():
    for _ in range(200):
        ip = "127.%d.%d.%d" % (random.randint(1, 254), random.randint(0, 255), random.randint(2, 254))
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind((ip, 53))
            return s, ip
        except OSError:
            s.close()
    sys.exit("dnsd: unable to bind a loopback address on port 53")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("ready")
    p.add_argument("--ptr", action="append")
    p.add_argument("--a", action="append")
    p.add_argument("--aaaa", action="append")
    p.add_argument("--log")
    p.add_argument("--lifetime", type=float, default=120)
    a = p.parse_args()
    recs = build_table(a)
    s, ip = bind()
    with open(a.ready + ".tmp", "w") as f:
        f.write(ip + "\n")
    os.rename(a.ready + ".tmp", a.ready)
    end = time.monotonic() + a.lifetime
    while time.monotonic() < end:
        s.settimeout(max(0.1, end - time.monotonic()))
        try:
            msg, peer = s.recvfrom(4096)
        except socket.timeout:
            break
        try:
            out = answer(msg, recs, a.log)
        except (ValueError, IndexError, struct.error):
            continue
        if out:
            s.sendto(out, peer)


if __name__ == "__main__":
    main()
