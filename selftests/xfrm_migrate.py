#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""xfrm_migrate.py: send one XFRM_MSG_MIGRATE (iproute2 has no command).

  xfrm_migrate.py DIR SRC/PLEN DST/PLEN OLD_SRC OLD_DST NEW_SRC NEW_DST \\
                  MODE REQID

Moves the ESP SAs of the policy with that IPv4 selector and direction
(in, out, fwd) from the old outer addresses to the new ones, as a MOBIKE
daemon does; each pair of outer addresses is IPv4 or IPv6, so the SAs
may change family. MODE is transport or tunnel. Exits 0 on the
kernel's ACK, else prints the error and exits 1.
"""
import errno
import os
import socket
import struct
import sys

NETLINK_XFRM = 6
XFRM_MSG_MIGRATE = 0x21
XFRMA_MIGRATE = 17
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
DIRS = {'in': 0, 'out': 1, 'fwd': 2}
MODES = {'transport': 0, 'tunnel': 1}


def family(a):
    return socket.AF_INET6 if ':' in a else socket.AF_INET


def addr(a):
    raw = socket.inet_pton(family(a), a)
    return raw + bytes(16 - len(raw))


def prefix(p):
    a, plen = p.split('/')
    return addr(a), int(plen)


def selector(src, dst):
    (s, slen), (d, dlen) = prefix(src), prefix(dst)
    # daddr, saddr, dport/mask, sport/mask, family, prefixlens, proto,
    # pad, ifindex, user: struct xfrm_selector, 56 bytes.
    return d + s + struct.pack('=HHHHHBBBxxxiI', 0, 0, 0, 0, socket.AF_INET,
                               dlen, slen, 0, 0, 0)


def main():
    if len(sys.argv) != 10:
        print(__doc__, file=sys.stderr)
        return 2
    d, src, dst, osrc, odst, nsrc, ndst, mode, reqid = sys.argv[1:]
    body = selector(src, dst) + struct.pack('=IBxxx', 0, DIRS[d])
    mig = (addr(odst) + addr(osrc) + addr(ndst) + addr(nsrc) +
           struct.pack('=BBHIHH', socket.IPPROTO_ESP, MODES[mode], 0,
                       int(reqid), family(odst), family(ndst)))
    attr = struct.pack('=HH', 4 + len(mig), XFRMA_MIGRATE) + mig
    msg = body + attr
    hdr = struct.pack('=IHHII', 16 + len(msg), XFRM_MSG_MIGRATE,
                      NLM_F_REQUEST | NLM_F_ACK, 1, 0)
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_XFRM)
    s.sendto(hdr + msg, (0, 0))
    reply = s.recv(65536)
    _, typ, _, _, _ = struct.unpack('=IHHII', reply[:16])
    err = struct.unpack('=i', reply[16:20])[0] if typ == NLMSG_ERROR else -1
    if err:
        print('migrate: %s' % os.strerror(-err) if err < 0 and
              -err in errno.errorcode else 'migrate: bad reply')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
