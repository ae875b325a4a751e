#!/bin/bash
# Health check of the cqlwire test image: a CQL OPTIONS request (protocol v4, stream 0) on the
# native port must get a SUPPORTED response (opcode 0x06). Exit 0 when it does.
exec 3<>/dev/tcp/127.0.0.1/9042 || exit 1
printf '\x04\x00\x00\x00\x05\x00\x00\x00\x00' >&3
header="$(timeout 2 head -c 5 <&3 | od -An -tx1 | tr -d ' \n')"
[ "${header:0:2}" = 84 ] && [ "${header:8:2}" = 06 ]
