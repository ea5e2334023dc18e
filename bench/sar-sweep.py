#!/usr/bin/env python3
"""sar-sweep.py — answer "who can read Secrets where" the way `kubectl auth
can-i` does: one SubjectAccessReview per subject x namespace x verb.

    sar-sweep.py USERS NAMESPACES [THREADS]

Sweeps users u0..u{USERS-1} over namespaces ns0..ns{NAMESPACES-1} for get,
list and watch on secrets, THREADS requests in flight (default 8), each
thread on its own keep-alive connection. Server, CA and admin token come from
the environment that scripts/kube-test-cluster.sh writes. Prints the number
of SARs and how many were allowed, so a run that silently failed shows.
"""
import json
import sys
import threading

import kubeapi

users, namespaces = int(sys.argv[1]), int(sys.argv[2])
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 8
headers = kubeapi.headers(**{"Content-Type": "application/json"})
work = [(f"u{u}", f"ns{n}", verb)
        for u in range(users) for n in range(namespaces) for verb in ("get", "list", "watch")]
allowed = 0
errors = []
lock = threading.Lock()


def sweep(part):
    global allowed
    conn = kubeapi.connect()
    mine = 0
    for user, ns, verb in part:
        body = json.dumps({
            "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
            "spec": {"user": user, "groups": ["system:authenticated"],
                     "resourceAttributes": {"namespace": ns, "verb": verb, "resource": "secrets"}},
        })
        conn.request("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", body, headers)
        resp = conn.getresponse()
        answer = json.loads(resp.read())
        if resp.status != 201:
            with lock:
                errors.append(f"SubjectAccessReview answered {resp.status}: {answer}")
            return
        mine += answer["status"].get("allowed", False)
    with lock:
        allowed += mine


pool = [threading.Thread(target=sweep, args=(work[i::threads],)) for i in range(threads)]
for t in pool:
    t.start()
for t in pool:
    t.join()
if errors:
    sys.exit(errors[0])
print(f"{len(work)} SubjectAccessReviews, {allowed} allowed")
