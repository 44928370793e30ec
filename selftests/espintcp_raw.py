#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""espintcp_raw.py: hand-made RFC 9329 streams for the robustness tests.

  send ADDR PORT HEX       connect, send "IKETCP" and the bytes, close
  repeat ADDR PORT N HEX   the same with the bytes N times over
  record ADDR PORT LEN HEX connect, send "IKETCP" and one record of length
                           field LEN: the bytes HEX, then zeros; close
  garbage ADDR PORT SEED N connect, send "IKETCP" and N seeded random bytes,
                           close; first print the counters and the receiver
                           outcome a correct parser must produce
  serve ADDR PORT N        accept N connections, attach the espintcp ULP to
                           each, echo one IKE message on every one; prints
                           "served N"
  clients ADDR PORT N      open N connections at once, attach the ULP, send
                           one IKE message each and check the echo; prints
                           "echoed N"

send, repeat, record and garbage close only once the file named by $ETCP_RAW_HOLD
exists, if set: the receiver attaches the ULP only to an established
connection, so it must have done so before the FIN comes.
"""
import os
import random
import socket
import struct
import sys
import time

TCP_ULP = 31
IPV4_MAX_ESP = 65535 - 20


def family(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def connect(addr, port):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.connect((addr, port))
    s.sendall(b'IKETCP')
    return s


def finish(s):
    hold = os.environ.get('ETCP_RAW_HOLD')
    for _ in range(400):
        if not hold or os.path.exists(hold):
            break
        time.sleep(0.05)
    s.close()


def model(data, v6):
    """Counters the module must report for stream @data (after the prefix)."""
    c, off = {}, 0
    def inc(k):
        c[k] = c.get(k, 0) + 1
    outcome = 'eof'
    while off + 2 <= len(data):
        length = struct.unpack('!H', data[off:off + 2])[0]
        if length < 2:
            inc('rx_bad_len')
            outcome = 'error Invalid argument'
            break
        if off + length > len(data):
            break
        body = data[off + 2:off + length]
        off += length
        if not body:
            inc('rx_empty')
        elif len(body) < 4:
            inc('rx_keepalive' if body == b'\xff' else 'rx_malformed')
        elif body[:4] == b'\0\0\0\0':
            inc('rx_ike' if len(body) > 4 else 'rx_malformed')
        elif len(body) < 8 or (not v6 and len(body) > IPV4_MAX_ESP):
            inc('rx_malformed')
        else:
            inc('rx_esp')
    c['conn_attached'] = 1
    c['conn_lost'] = 1
    return ' '.join('%s=%d' % kv for kv in sorted(c.items())), outcome


def main():
    cmd, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if cmd == 'send':
        s = connect(addr, port)
        s.sendall(bytes.fromhex(sys.argv[4]))
        finish(s)
    elif cmd == 'repeat':
        s = connect(addr, port)
        s.sendall(bytes.fromhex(sys.argv[5]) * int(sys.argv[4]))
        finish(s)
    elif cmd == 'record':
        length, head = int(sys.argv[4]), bytes.fromhex(sys.argv[5])
        s = connect(addr, port)
        s.sendall(struct.pack('!H', length) + head +
                  bytes(length - 2 - len(head)))
        finish(s)
    elif cmd == 'garbage':
        rnd = random.Random(int(sys.argv[4]))
        data = bytes(rnd.getrandbits(8) for _ in range(int(sys.argv[5])))
        counters, outcome = model(data, family(addr) == socket.AF_INET6)
        print(counters)
        print(outcome, flush=True)
        s = connect(addr, port)
        try:
            s.sendall(data)
        except OSError:
            pass                # the receiver may reset after a fatal length
        finish(s)
    elif cmd == 'serve':
        n = int(sys.argv[4])
        ls = socket.socket(family(addr), socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((addr, port))
        ls.listen(n)
        conns = []
        for _ in range(n):
            c, _ = ls.accept()
            assert c.recv(6, socket.MSG_WAITALL) == b'IKETCP'
            c.setsockopt(socket.IPPROTO_TCP, TCP_ULP, b'espintcp')
            conns.append(c)
        served = 0
        for c in conns:
            m = c.recv(2000)
            if m[:4] == b'\0\0\0\0':
                c.send(m)
                served += 1
        print('served', served, flush=True)
        sys.stdin.read()        # hold the sockets until told to go
    elif cmd == 'clients':
        n = int(sys.argv[4])
        socks = []
        for i in range(n):
            s = connect(addr, port)
            s.setsockopt(socket.IPPROTO_TCP, TCP_ULP, b'espintcp')
            socks.append(s)
        for i, s in enumerate(socks):
            s.send(b'\0\0\0\0' + struct.pack('!I', i) + b'x' * 100)
        ok = 0
        for i, s in enumerate(socks):
            m = s.recv(2000)
            if m == b'\0\0\0\0' + struct.pack('!I', i) + b'x' * 100:
                ok += 1
        print('echoed', ok, flush=True)
        sys.stdin.read()
    else:
        sys.exit('unknown command ' + cmd)


main()
