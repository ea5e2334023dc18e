"""openbao.py — the bench scripts' secrets in an OpenBao dev server: N KV v2
secrets secret/bench/sNNNN, three keys each, over one keep-alive connection."""
import http.client
import json
from urllib.parse import urlparse


def seed(n, addr, token="bench"):
    """Write secret/bench/s0000 ... s{n-1} at `addr` (http://HOST:PORT)."""
    a = urlparse(addr)
    conn = http.client.HTTPConnection(a.hostname, a.port)
    for i in range(n):
        body = json.dumps({"data": {"user": f"user{i}", "pass": f"pass-{i:04d}-x", "host": "db.internal"}})
        conn.request("POST", f"/v1/secret/data/bench/s{i:04d}", body, {"X-Vault-Token": token})
        r = conn.getresponse()
        r.read()
        assert r.status == 200, r.status
