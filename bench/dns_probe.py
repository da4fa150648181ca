#!/usr/bin/env python3
"""Poll a DNS server on 127.0.0.1 until it answers; print seconds since a start time.

Used by bench/dns-compare.sh to measure "start until first answer". Sends an A query for NAME every
5 ms over UDP and prints two numbers: seconds from T0 to the first usable answer (NOERROR or
NXDOMAIN), and seconds from T0 to the first answer that is not the upstream's 192.0.2.99, i.e. the
name is blocked so the list is in force ("-" if never seen with --want any). Exits 1 if the server
process PID dies or TIMEOUT seconds pass first.
"""

import argparse
import os
import random
import socket
import struct
import sys
import time

UPSTREAM_ADDR = bytes([192, 0, 2, 99])


def build_query(qid: int, name: str) -> bytes:
    """A standard recursive A/IN query."""
    header = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    qname = b"".join(bytes([len(p)]) + p.encode("ascii") for p in name.split(".") if p) + b"\x00"
    return header + qname + struct.pack("!HH", 1, 1)


def skip_name(msg: bytes, pos: int) -> int:
    """Position after the (possibly compressed) name at pos; bounded by the message length."""
    for _ in range(128):
        if pos >= len(msg):
            raise ValueError("name runs past the message")
        n = msg[pos]
        if n == 0:
            return pos + 1
        if n & 0xC0 == 0xC0:
            return pos + 2
        pos += 1 + n
    raise ValueError("name has too many labels")


def classify(msg: bytes, qid: int):
    """Return None (not ours / not usable), 'upstream' (answered with 192.0.2.99) or 'blocked'."""
    if len(msg) < 12:
        return None
    rid, flags, qd, an, _, _ = struct.unpack("!HHHHHH", msg[:12])
    rcode = flags & 0x000F
    if rid != qid or not flags & 0x8000 or rcode not in (0, 3):
        return None
    try:
        pos = 12
        for _ in range(qd):
            pos = skip_name(msg, pos) + 4
        for _ in range(an):
            pos = skip_name(msg, pos)
            rtype, _, _, rdlen = struct.unpack("!HHIH", msg[pos:pos + 10])
            pos += 10
            if rtype == 1 and msg[pos:pos + rdlen] == UPSTREAM_ADDR:
                return "upstream"
            pos += rdlen
    except (ValueError, struct.error):
        return None
    return "blocked"


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--t0", type=float, required=True, help="start time, seconds since the epoch")
    ap.add_argument("--pid", type=int, required=True, help="server process to watch")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--want", choices=["any", "blocked"], default="blocked")
    args = ap.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.005)
    first_any = None
    deadline = time.time() + args.timeout
    while time.time() < deadline:
        if not alive(args.pid):
            print(f"server process {args.pid} exited before answering", file=sys.stderr)
            return 1
        qid = random.randrange(65536)
        try:
            sock.sendto(build_query(qid, args.name), ("127.0.0.1", args.port))
            end = time.time() + 0.005
            while time.time() < end:
                kind = classify(sock.recv(4096), qid)
                now = time.time()
                if kind is None:
                    continue
                if first_any is None:
                    first_any = now - args.t0
                if kind == "blocked" or args.want == "any":
                    blocked = f"{now - args.t0:.3f}" if kind == "blocked" else "-"
                    print(f"{first_any:.3f} {blocked}")
                    return 0
                time.sleep(max(0.0, end - now))
                break
        except (socket.timeout, ConnectionRefusedError):
            pass
        except OSError as e:
            print(f"probe: {e}", file=sys.stderr)
            time.sleep(0.005)
    print(f"no {'blocked ' if args.want == 'blocked' else ''}answer within {args.timeout} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
