#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""espintcp_framing.py PCAP SRC DST DPORT: check RFC 9329 framing.

Reassembles the TCP payload sent from SRC to DST:DPORT in a pcap (Ethernet,
IPv4 or IPv6) and parses it as an IKETCP stream. Prints one line:

  prefix ok esp N ike M spis S bad B rest R other O switches W

where S lists the distinct SPIs of ESP records, B counts records that
cannot be ESP or IKE, R is the number of trailing bytes that do not form a
whole record, O counts packets between the hosts that are not TCP to or
from DPORT (ESP, UDP...) and W how often the record type changed from ESP
to IKE or back (interleaving).
"""
import ipaddress
import struct
import sys


def packets(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    endian = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    off = 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(endian + 'IIII', data[off:off + 16])
        yield data[off + 16:off + 16 + caplen]
        off += 16 + caplen


def parse_ip(frame):
    etype = struct.unpack('!H', frame[12:14])[0]
    ip = frame[14:]
    if etype == 0x0800:
        ihl = (ip[0] & 15) * 4
        total = struct.unpack('!H', ip[2:4])[0]
        return (ipaddress.ip_address(ip[12:16]), ipaddress.ip_address(ip[16:20]),
                ip[9], ip[ihl:total])
    if etype == 0x86dd:
        plen = struct.unpack('!H', ip[4:6])[0]
        return (ipaddress.ip_address(ip[8:24]), ipaddress.ip_address(ip[24:40]),
                ip[6], ip[40:40 + plen])
    return None


def main():
    path, src, dst, dport = sys.argv[1], ipaddress.ip_address(sys.argv[2]), \
        ipaddress.ip_address(sys.argv[3]), int(sys.argv[4])
    segs, other, isn = {}, 0, None
    for frame in packets(path):
        p = parse_ip(frame)
        if not p or {p[0], p[1]} != {src, dst}:
            continue
        s, d, proto, l4 = p
        if proto != 6:
            other += 1
            continue
        sport, tport, seq = struct.unpack('!HHI', l4[:8])
        if dport not in (sport, tport):
            other += 1
            continue
        flags = l4[13]
        if s == src and tport == dport:
            if flags & 0x02:
                isn = seq + 1
            payload = l4[(l4[12] >> 4) * 4:]
            if payload:
                segs[seq] = payload
    stream = bytearray()
    nxt = isn
    for seq in sorted(segs, key=lambda q: (q - isn) & 0xffffffff):
        payload = segs[seq]
        rel = (seq - nxt) & 0xffffffff
        if rel > 0x7fffffff:            # retransmission overlapping data
            payload = payload[(nxt - seq) & 0xffffffff:]
            rel = 0
        if rel:
            break                       # a hole: stop at what is complete
        stream += payload
        nxt = (nxt + len(payload)) & 0xffffffff
    prefix = 'ok' if stream[:6] == b'IKETCP' else 'missing'
    off, esp, ike, bad, spis, last, switches = 6, 0, 0, 0, set(), None, 0
    while off + 2 <= len(stream):
        length = struct.unpack('!H', stream[off:off + 2])[0]
        if length < 2 or off + length > len(stream):
            break
        body = stream[off + 2:off + length]
        kind = None
        if len(body) >= 8 and body[:4] != b'\0\0\0\0':
            esp += 1
            kind = 'esp'
            spis.add('0x%x' % struct.unpack('!I', body[:4]))
        elif len(body) > 4 and body[:4] == b'\0\0\0\0':
            ike += 1
            kind = 'ike'
        else:
            bad += 1
        if kind and last and kind != last:
            switches += 1
        last = kind or last
        off += length
    print('prefix %s esp %d ike %d spis %s bad %d rest %d other %d '
          'switches %d' % (prefix, esp, ike, ','.join(sorted(spis)) or '-',
                           bad, len(stream) - off, other, switches))


main()
