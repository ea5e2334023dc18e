#!/usr/bin/env python3
"""list-calls.py — the list calls of a live `kvault audit`, alone: the same
16 kinds, all namespaces, 2,000 objects a page, the first page at
resourceVersion 0, later pages by continue token; one thread per kind, each
on its own keep-alive connection. Reads each answer and throws it away
(only the continue token is picked out), so the time is the apiserver's and
the network's, without any client-side work on the objects.

    list-calls.py PATH...     (e.g. /api/v1/secrets)

Server, CA and admin token come from the environment that
scripts/kube-test-cluster.sh writes. Prints objects-pages per kind read.
"""
import re
import sys
import threading
from urllib.parse import quote

import kubeapi

PAGE = 2000
headers = kubeapi.headers(Accept="application/json")
# The list's metadata comes first in the answer.
CONTINUE = re.compile(rb'"continue":"([^"]*)"')
pages = {}
errors = []


def list_all(path):
    conn = kubeapi.connect()
    query = f"limit={PAGE}&resourceVersion=0&resourceVersionMatch=NotOlderThan"
    n = 0
    while True:
        conn.request("GET", f"{path}?{query}", headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            errors.append(f"GET {path}: {resp.status}")
            return
        n += 1
        found = CONTINUE.search(body[:4096])
        if not found or not found.group(1):
            break
        query = f"limit={PAGE}&continue={quote(found.group(1).decode())}"
    pages[path] = n


threads = [threading.Thread(target=list_all, args=(p,)) for p in sys.argv[1:]]
for t in threads:
    t.start()
for t in threads:
    t.join()
if errors:
    sys.exit("; ".join(errors))
print(" ".join(f"{p.rsplit('/', 1)[1]}:{n}" for p, n in sorted(pages.items())))
