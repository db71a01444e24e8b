#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes the seed corpora in corpus/<target>/ (run from tests/fuzz/).

The attribute numbers are those of include/uapi/linux/gpuvfio.h, read from
the header so that the seeds follow it."""
import os
import re
import struct

HDR = open(os.path.join(os.path.dirname(__file__) or '.',
                        '../../include/uapi/linux/gpuvfio.h')).read()


def enum(name):
    body = re.search(r'enum ' + name + r' \{(.*?)\};', HDR, re.S).group(1)
    body = re.sub(r'/\*.*?\*/', '', body, flags=re.S)
    names = [l.split('=')[0].strip().rstrip(',') for l in body.split('\n')]
    names = [n for n in names if n and not n.startswith('/*') and not n.startswith('*')]
    return {n: i for i, n in enumerate(names)}


A = enum('gpuvfio_attr')
D = enum('gpuvfio_dev_attr')
G = enum('gpuvfio_group_attr')
C = enum('gpuvfio_cmd')
O = enum('gpuvfio_outcome')
E = enum('gpuvfio_event')
P = enum('gpuvfio_progress')
NESTED = 0x8000


def attr(t, payload):
    ln = 4 + len(payload)
    return struct.pack('=HH', ln, t) + payload + b'\0' * ((4 - ln % 4) % 4)


def s(t, v):
    return attr(t, v.encode() + b'\0')


def u16(t, v):
    return attr(t, struct.pack('=H', v))


def u32(t, v):
    return attr(t, struct.pack('=I', v))


def u64(t, v):
    return attr(t, struct.pack('=Q', v))


def flag(t):
    return attr(t, b'')


def nest(t, *parts):
    return attr(t | NESTED, b''.join(parts))


def msg(cmd, *parts, typ=0x20, flags=0):
    body = struct.pack('=BBH', cmd, 1, 0) + b''.join(parts)
    return struct.pack('=IHHII', 16 + len(body), typ, flags, 1, 0) + body


def dev(addr, fate=1, times=True, progress=3):
    p = [s(D['GPUVFIO_DEV_A_ADDR'], addr), u16(D['GPUVFIO_DEV_A_VENDOR'], 0x10de),
         u16(D['GPUVFIO_DEV_A_DEVICE'], 0x1bb3), u32(D['GPUVFIO_DEV_A_CLASS'], 0x030200),
         u32(D['GPUVFIO_DEV_A_GROUP'], 12), s(D['GPUVFIO_DEV_A_DRIVER'], 'nvidia'),
         u32(D['GPUVFIO_DEV_A_STATE'], 6), flag(D['GPUVFIO_DEV_A_MANAGED']),
         s(D['GPUVFIO_DEV_A_ORIG_DRIVER'], 'nvidia'),
         u32(D['GPUVFIO_DEV_A_ROLE'], 1), u32(D['GPUVFIO_DEV_A_FATE'], fate),
         s(D['GPUVFIO_DEV_A_FROM_DRIVER'], 'nvidia'), s(D['GPUVFIO_DEV_A_TO_DRIVER'], 'vfio-pci'),
         u32(D['GPUVFIO_DEV_A_PROGRESS'], progress), u32(D['GPUVFIO_DEV_A_ERRNO'], 16)]
    if times:
        p += [u64(D['GPUVFIO_DEV_A_T_OVERRIDE_NS'], 1000),
              u64(D['GPUVFIO_DEV_A_T_RELEASE_NS'], 2000000),
              u64(D['GPUVFIO_DEV_A_T_ATTACH_NS'], 3000000)]
    return nest(A['GPUVFIO_A_DEVICE'], *p)


def result(cmd, event=None, outcome=6, stranded=False):
    p = []
    if event is not None:
        p.append(u32(A['GPUVFIO_A_EVENT'], event))
    p += [u32(A['GPUVFIO_A_TXN'], 42), u32(A['GPUVFIO_A_OUTCOME'], outcome), u32(A['GPUVFIO_A_ERRNO'], 0),
          s(A['GPUVFIO_A_MESSAGE'], 'waiting for snd_hda_intel to let go of 0000:01:00.1'),
          u64(A['GPUVFIO_A_ELAPSED_NS'], 3000000000),
          s(A['GPUVFIO_A_WAIT_ADDR'], '0000:01:00.1'), s(A['GPUVFIO_A_WAIT_DRIVER'], 'snd_hda_intel'),
          nest(A['GPUVFIO_A_MEMBERS'], dev('0000:01:00.0'),
               dev('0000:01:00.1', 1, False,
                   P['GPUVFIO_PROGRESS_STRANDED'] if stranded else 3),
               dev('0000:00:1c.0', 2, False))]
    return msg(cmd, *p)


def ack(error, text, offs=None, miss=None, capped=True):
    flags = (0x100 if capped else 0) | 0x200
    tl = s(1, text)
    if offs is not None:
        tl += u32(2, offs)
    if miss is not None:
        tl += u32(5, miss)
    body = struct.pack('=i', error) + struct.pack('=IHHII', 36, 0x20, 5, 1, 0) + tl
    return struct.pack('=IHHII', 16 + len(body), 2, flags, 1, 0) + body


reply = {
    'bind-pending': result(C['GPUVFIO_CMD_BIND']),
    'event-bound': result(C['GPUVFIO_CMD_EVENT'], 1),
    'bind-running': msg(C['GPUVFIO_CMD_BIND'], u32(A['GPUVFIO_A_TXN'], 43),
                        u32(A['GPUVFIO_A_OUTCOME'], O['GPUVFIO_OUTCOME_RUNNING']),
                        u32(A['GPUVFIO_A_ERRNO'], 0), s(A['GPUVFIO_A_MESSAGE'], 'running')),
    'get-txn-incomplete': result(C['GPUVFIO_CMD_GET_TXN'],
                                 outcome=O['GPUVFIO_OUTCOME_ROLLBACK_INCOMPLETE'], stranded=True),
    'event-rollback-incomplete': result(C['GPUVFIO_CMD_EVENT'], E['GPUVFIO_EVENT_ROLLBACK_INCOMPLETE'],
                                        O['GPUVFIO_OUTCOME_ROLLBACK_INCOMPLETE'], True),
    'event-refused': msg(C['GPUVFIO_CMD_EVENT'], u32(A['GPUVFIO_A_EVENT'], E['GPUVFIO_EVENT_REFUSED']),
                         u32(A['GPUVFIO_A_TXN'], 44), u32(A['GPUVFIO_A_ERRNO'], 16)),
    'group': msg(C['GPUVFIO_CMD_GET_GROUP'],
                 nest(A['GPUVFIO_A_GROUP'], u32(G['GPUVFIO_GROUP_A_ID'], 7),
                      flag(G['GPUVFIO_GROUP_A_VIABLE']), flag(G['GPUVFIO_GROUP_A_BUSY'])),
                 nest(A['GPUVFIO_A_MEMBERS'], dev('0000:07:00.0', 0, False))),
    'device': msg(C['GPUVFIO_CMD_GET_DEVICE'], dev('0000:03:00.0', 0, False)),
    'config': msg(C['GPUVFIO_CMD_GET_CONFIG'], s(A['GPUVFIO_A_VERSION'], '0.2.0'),
                  s(A['GPUVFIO_A_IDS'], '10de:1bb3,1002:692f'), s(A['GPUVFIO_A_EXCLUDE'], ''),
                  u32(A['GPUVFIO_A_MANAGED'], 2)),
    'ack-nested': ack(-22, 'no such device', offs=24),
    'ack-missing': ack(-22, 'missing targets', miss=A['GPUVFIO_A_TARGETS']),
}

argv = [
    ['status'], ['-j', 'status', '01:00.0'], ['bind', '--dry-run', '01:00.0,10de:1bb3'],
    ['unbind', '--all', '-f', '-t', '0.5'], ['bind', '--timeout', '3600.000', 'all'],
    ['ids', 'set', '10de:1bb3:10de:11d8, 1002:692f'], ['ids', 'add', '10de:1bb3'],
    ['ids', 'del', '-j', '10de:1bb3'], ['ids', 'show'], ['monitor', '-j'], ['check'],
    ['help', 'bind'], ['--version'], ['-h'],
]

for name, data in reply.items():
    os.makedirs('corpus/fuzz_reply', exist_ok=True)
    open('corpus/fuzz_reply/' + name, 'wb').write(data)
for i, a in enumerate(argv):
    os.makedirs('corpus/fuzz_argv', exist_ok=True)
    open('corpus/fuzz_argv/%02d-%s' % (i, a[0].strip('-')), 'wb').write('\0'.join(a).encode())
