"""kubeapi.py — an admin connection to the test kube-apiserver, for the bench
scripts: server, CA and token from the environment that
scripts/kube-test-cluster.sh writes (KVAULT_TEST_KUBE_SERVER, _CA, _TOKEN_ADMIN)."""
import http.client
import os
import ssl
from urllib.parse import urlparse

_server = urlparse(os.environ["KVAULT_TEST_KUBE_SERVER"])
_ctx = ssl.create_default_context(cafile=os.environ["KVAULT_TEST_KUBE_CA"])


def connect():
    """A new keep-alive HTTPS connection (one per thread)."""
    return http.client.HTTPSConnection(_server.hostname, _server.port, context=_ctx)


def headers(**extra):
    """The admin's bearer token, plus `extra` headers."""
    return {"Authorization": "Bearer " + os.environ["KVAULT_TEST_KUBE_TOKEN_ADMIN"], **extra}
