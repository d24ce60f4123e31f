"""The emulator held to the real tools' captured behaviour where it once hid the plan's bugs
(issue 18): dpkg-query's order, lsmod without /proc/modules, PATH without sbin, built-in
modules."""

from __future__ import annotations

import json
from pathlib import Path

from lab.k8s.kubeadm_cluster import LocalCluster
from lab.ubuntu.node_state import CLOUD_IMAGE, DEBIAN_PATH, UBUNTU_PATH, NodeStore, Variant
from lab.ubuntu.shell import UbuntuShell

CAPTURES = Path(__file__).parent / "captures"
BUILTIN = Variant(builtin_modules=("overlay", "br_netfilter"), proc_modules=False)


def _shell(tmp_path: Path, variant: Variant = CLOUD_IMAGE) -> UbuntuShell:
    store = NodeStore(tmp_path / "worker01.json", "worker01", variant=variant)
    return UbuntuShell(store, LocalCluster(tmp_path / "cluster.json"), "198.18.30.60")


def test_dpkg_query_prints_in_package_order_like_dpkg(tmp_path: Path) -> None:
    captured = (CAPTURES / "dpkg-query-showformat-sed-bash-coreutils.stdout").read_text()
    real_order = [line.split()[0] for line in captured.splitlines()]
    reply = _shell(tmp_path).handle(
        "dpkg-query -W --showformat='${Package} ${Status} ${Version}\\n' sed bash coreutils"
    )
    assert reply.status == 0
    assert [line.split()[0] for line in reply.output.splitlines()] == real_order


def test_dpkg_query_missing_package_after_the_listing(tmp_path: Path) -> None:
    reply = _shell(tmp_path).handle("dpkg-query -W -f='${Package}\\n' sed kubelet bash")
    assert reply.status == 1
    assert reply.output == "bash\nsed\ndpkg-query: no packages found matching kubelet\n"


def test_lsmod_without_proc_modules_fails_like_kmod(tmp_path: Path) -> None:
    captured = (CAPTURES / "lsmod-no-proc-modules.stderr").read_text()
    reply = _shell(tmp_path, BUILTIN).handle("lsmod")
    assert (reply.output, reply.status) == (captured, 1)


def test_builtin_modules_show_in_sys_and_modprobe_accepts_them(tmp_path: Path) -> None:
    sh = _shell(tmp_path, BUILTIN)
    assert sh.handle("test -d /sys/module/overlay").status == 0
    assert sh.handle("test -d /sys/module/br_netfilter").status == 1  # no parameters
    assert sh.handle("test -d /proc/sys/net/bridge").status == 0
    assert sh.handle("sudo -n modprobe br_netfilter").status == 0
    assert sh.handle("sysctl -n net.bridge.bridge-nf-call-iptables").output == "1\n"


def test_loaded_module_shows_in_sys_module(tmp_path: Path) -> None:
    sh = _shell(tmp_path)
    assert sh.handle("test -d /sys/module/br_netfilter").status == 1
    assert sh.handle("test -d /proc/sys/net/bridge").status == 1
    assert sh.handle("sudo -n modprobe br_netfilter").status == 0
    assert sh.handle("test -d /sys/module/br_netfilter").status == 0
    assert sh.handle("test -d /proc/sys/net/bridge").status == 0


def test_login_path_without_sbin(tmp_path: Path) -> None:
    sh = _shell(tmp_path, Variant(user_path=DEBIAN_PATH))
    assert (sh.handle("sysctl -n vm.swappiness").output, sh.status) == (
        "sysctl: command not found\n",
        127,
    )
    assert sh.handle("/sbin/sysctl -n vm.swappiness").output == "60\n"
    assert sh.handle("/usr/sbin/swapon --show=NAME --noheadings").output == "/swap.img\n"
    assert sh.handle("/usr/bin/sysctl -n vm.swappiness").output == (
        "-bash: /usr/bin/sysctl: No such file or directory\n"
    )
    assert sh.handle("sudo -n sysctl -n vm.swappiness").output == "60\n"  # secure_path


def test_ubuntu_login_path_has_sbin(tmp_path: Path) -> None:
    assert _shell(tmp_path).handle("sysctl -n vm.swappiness").output == "60\n"


def test_node_saved_before_variants_loads_as_cloud_image(tmp_path: Path) -> None:
    sh = _shell(tmp_path)
    sh.handle("true")  # saves the node
    data = json.loads(sh.store.path.read_text())
    for key in ("builtin_modules", "proc_modules", "user_path"):
        del data[key]
    sh.store.path.write_text(json.dumps(data))
    state = sh.store.load()
    assert (state.builtin_modules, state.proc_modules, state.user_path) == ([], True, UBUNTU_PATH)
