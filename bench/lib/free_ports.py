#!/usr/bin/env python3
"""Prints N free TCP ports on 127.0.0.1, one a line: free_ports.py N."""
import socket
import sys

sockets = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))  # all held open at once, so the N ports differ
    sockets.append(s)
for s in sockets:
    print(s.getsockname()[1])
    s.close()
