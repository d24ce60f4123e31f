"""The real kubectl against the twin's emulated API server (lab/k8s) on 127.0.0.1.

One cluster per test module (master01, worker01, worker02 joined), reached with the
kubeconfig the twin's `kubeadm init` writes (admin-direct.conf: the listening address, TLS
verified for the control-plane endpoint name). kubectl's discovery and OpenAPI caches go to a
private HOME. The binary: $KUBECTL, else `kubectl` on the PATH, else the one `make install`
puts beside the venv's python; none fails the tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lab.k8s import kubeadm_backend as kb
from lab.k8s.server_process import stop_server
from tests.lab.k8s.conftest import start_cluster, wait_until

KUBECTL_TIMEOUT_S = 60.0


def kubectl_path() -> str:
    beside_python = Path(sys.executable).parent / "kubectl"
    for candidate in (os.environ.get("KUBECTL"), shutil.which("kubectl"), str(beside_python)):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("no kubectl ($KUBECTL, PATH, venv): `make install` installs one")


@dataclass
class Kubectl:
    """`run("get", "nodes")` -> the finished kubectl process (stdout and stderr as text)."""

    binary: str
    kubeconfig: Path
    home: Path
    state: Path

    def run(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "KUBECONFIG": str(self.kubeconfig),
        }
        done = subprocess.run(
            [self.binary, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=KUBECTL_TIMEOUT_S,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
            )
        return done

    def out(self, *args: str, stdin: str | None = None) -> str:
        return self.run(*args, stdin=stdin).stdout

    def until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        return wait_until(predicate, timeout)


@pytest.fixture(scope="module")
def kubectl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kubectl]:
    state = tmp_path_factory.mktemp("k8s")
    home = tmp_path_factory.mktemp("home")
    start_cluster(state)
    try:
        k = Kubectl(kubectl_path(), kb.direct_conf(state), home, state)
        assert k.until(lambda: k.out("get", "nodes").count(" Ready ") == 3), k.out("get", "nodes")
        yield k
    finally:
        stop_server(state)
