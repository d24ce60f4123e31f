"""Emulated util-linux swap tools, kmod, procps sysctl and systemctl."""

from __future__ import annotations

import re

from lab.ubuntu.context import Ctx, Proc
from lab.ubuntu.getopt import OptionError, getopt
from lab.ubuntu.node_state import BRIDGE_SYSCTLS, Service

MODULE_SIZES = {
    "overlay": 118784,
    "br_netfilter": 28672,
    "bridge": 176128,
    "stp": 16384,
    "llc": 16384,
    "ip_vs": 155648,
    "nf_conntrack": 139264,
    "ip_tables": 32768,
    "x_tables": 40960,
    "autofs4": 45056,
    "psmouse": 155648,
    "virtio_net": 57344,
}
MODULE_DEPS = {"br_netfilter": ("bridge",), "bridge": ("stp", "llc"), "stp": ("llc",)}
# kmod 30's lsmod on a kernel without /proc/modules (captured on Debian 12, exit status 1)
LSMOD_NO_PROC_MODULES = (
    "libkmod: ERROR ../libkmod/libkmod-module.c:1725 kmod_module_new_from_loaded: could not open"
    " /proc/modules: No such file or directory\n"
    "Error: could not get list of modules: No such file or directory\n"
)
# Units shipped by packages: unit -> (package, enabled and started by the package's install)
# (Ubuntu's containerd package enables and starts containerd.service, as Debian packages do)
PACKAGE_UNITS = {
    "crio": ("cri-o", False),
    "containerd": ("containerd", True),
    "kubelet": ("kubelet", True),
}


def _fstab_swaps(ctx: Ctx) -> list[str]:
    fstab = ctx.state.files.get("/etc/fstab")
    out = []
    for line in (fstab.content if fstab else "").splitlines():
        fields = line.split()
        if len(fields) >= 3 and not fields[0].startswith("#") and fields[2] == "swap":
            out.append(fields[0])
    return out


def swapon(ctx: Ctx, argv: list[str]) -> Proc:
    try:
        p = getopt(argv[1:], "asv", ("all", "summary", "show=?", "noheadings", "bytes", "verbose"))
    except OptionError as exc:
        return Proc(stderr=f"swapon: {exc}\nTry 'swapon --help' for more information.\n", rc=1)
    st = ctx.state
    if p.has("-a", "--all"):
        if not ctx.root:
            return Proc(stderr="swapon: cannot open /swap.img: Permission denied\n", rc=4)
        st.swaps += [d for d in _fstab_swaps(ctx) if d not in st.swaps]
        return Proc()
    if p.has("--show", "-s", "--summary") or not p.args:
        if not st.swaps:
            return Proc()
        cols = (p.value("--show") or "NAME,TYPE,SIZE,USED,PRIO").upper().split(",")
        data = {"NAME": "/swap.img", "TYPE": "file", "SIZE": "2G", "USED": "0B", "PRIO": "-2"}
        bad = [c for c in cols if c not in data]
        if bad:
            return Proc(stderr=f"swapon: unknown column: {bad[0]}\n", rc=1)
        rows = [[data[c] if c != "NAME" else d for c in cols] for d in st.swaps]
        if not p.has("--noheadings"):
            rows.insert(0, cols)
        widths = [max(len(r[i]) for r in rows) for i in range(len(cols))]
        return Proc(
            stdout="".join(
                " ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() + "\n"
                for r in rows
            )
        )
    return Proc(stderr="swapon: emulator: only --show, -s and -a are emulated\n", rc=1)


def swapoff(ctx: Ctx, argv: list[str]) -> Proc:
    try:
        p = getopt(argv[1:], "av", ("all", "verbose"))
    except OptionError as exc:
        return Proc(stderr=f"swapoff: {exc}\nTry 'swapoff --help' for more information.\n", rc=1)
    st = ctx.state
    targets = list(st.swaps) if p.has("-a", "--all") else p.args
    if not targets and not p.has("-a", "--all"):
        return Proc(stderr="Usage:\n swapoff [options] [<spec>]\n", rc=2)
    if not ctx.root and targets:
        return Proc(stderr="swapoff: Not superuser.\n", rc=1)
    err, rc = "", 0
    for t in targets:
        if t in st.swaps:
            st.swaps.remove(t)
        else:
            err, rc = err + f"swapoff: {t}: swapoff failed: Invalid argument\n", 4
    return Proc("", err, rc)


def _load(ctx: Ctx, module: str) -> None:
    for dep in MODULE_DEPS.get(module, ()):
        _load(ctx, dep)
    if module not in ctx.state.modules:
        ctx.state.modules.append(module)
        if module == "br_netfilter":
            for key in BRIDGE_SYSCTLS:
                ctx.state.sysctls.setdefault(key, "1")


def modprobe(ctx: Ctx, argv: list[str]) -> Proc:
    try:
        p = getopt(argv[1:], "aqrv", ("all", "quiet", "remove", "verbose"))
    except OptionError as exc:
        return Proc(stderr=f"modprobe: {exc}\n", rc=1)
    if not p.args:
        return Proc(stderr="modprobe: ERROR: missing parameters. See -h.\n", rc=1)
    kernel = ctx.state.release.kernel
    names = p.args if p.has("-a", "--all") else p.args[:1]
    params = [] if p.has("-a", "--all") else p.args[1:]
    for name in names:
        module = name.replace("-", "_")
        if module in ctx.state.builtin_modules:
            if p.has("-r", "--remove"):
                return Proc(stderr=f"modprobe: FATAL: Module {module} is builtin.\n", rc=1)
            continue
        if module not in MODULE_SIZES or not ctx.state.proc_modules:
            return Proc(
                stderr=f"modprobe: FATAL: Module {name} not found in directory /lib/modules/{kernel}\n",  # noqa: E501
                rc=1,
            )
        if p.has("-r", "--remove"):
            if not ctx.root:
                return Proc(
                    stderr=f"modprobe: ERROR: could not remove '{module}': Operation not permitted\n",  # noqa: E501
                    rc=1,
                )
            if module in ctx.state.modules:
                ctx.state.modules.remove(module)
            continue
        if module in ctx.state.modules:
            continue
        if not ctx.root:
            return Proc(
                stderr=f"modprobe: ERROR: could not insert '{module}': Operation not permitted\n",
                rc=1,
            )
        if params:
            return Proc(
                stderr=f"modprobe: ERROR: could not insert '{module}': Unknown symbol in module, "
                "or unknown parameter (see dmesg)\n",
                rc=1,
            )
        _load(ctx, module)
    return Proc()


def lsmod(ctx: Ctx, argv: list[str]) -> Proc:
    if len(argv) > 1:
        return Proc(stderr="Usage: lsmod\n", rc=1)
    if not ctx.state.proc_modules:
        return Proc(stderr=LSMOD_NO_PROC_MODULES, rc=1)
    users = {
        m: [u for u, deps in MODULE_DEPS.items() if m in deps and u in ctx.state.modules]
        for m in ctx.state.modules
    }
    lines = ["Module                  Size  Used by"]
    for m in reversed(ctx.state.modules):
        used = users[m]
        lines.append(
            f"{m:<19} {MODULE_SIZES.get(m, 16384):>10}  {len(used)} {','.join(used)}".rstrip()
        )
    return Proc(stdout="\n".join(lines) + "\n")


def _proc_path(key: str) -> str:
    return "/proc/sys/" + key.replace(".", "/")


def _set_sysctl(ctx: Ctx, key: str, value: str) -> tuple[str, str]:
    """(stdout line, stderr line) of setting one key."""
    if key not in ctx.state.sysctls:
        return "", f"sysctl: cannot stat {_proc_path(key)}: No such file or directory\n"
    if not ctx.root:
        return "", f'sysctl: permission denied on key "{key}"\n'
    ctx.state.sysctls[key] = value
    return f"{key} = {value}\n", ""


def _settings(text: str) -> list[tuple[str, str]]:
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;" or "=" not in line:
            continue
        key, _, value = line.partition("=")
        out.append((key.strip().lstrip("-"), value.strip()))
    return out


def sysctl(ctx: Ctx, argv: list[str]) -> Proc:
    try:
        p = getopt(
            argv[1:], "nwpaqe", ("values", "write", "load=?", "all", "quiet", "system", "ignore")
        )
    except OptionError as exc:
        usage = "\nUsage:\n sysctl [options] [variable[=value] ...]\n\nFor more details see sysctl(8).\n"  # noqa: E501
        return Proc(stderr=f"sysctl: {exc}\n{usage}", rc=1)
    st = ctx.state
    quiet = p.has("-q", "--quiet")
    if p.has("--system"):
        files = sorted(f for f in st.files if re.fullmatch(r"/etc/sysctl\.d/[^/]+\.conf", f))
        files.append("/etc/sysctl.conf")
        out, err = "", ""
        for f in files:
            if f not in st.files:
                continue
            out += f"* Applying {f} ...\n"
            for key, value in _settings(st.files[f].content):
                o, e = _set_sysctl(ctx, key, value)
                out, err = out + ("" if quiet else o), err + e
        return Proc(out, err, 0)
    if p.has("-p", "--load"):
        f = p.value("-p", "--load") or (p.args[0] if p.args else "/etc/sysctl.conf")
        if f not in st.files:
            return Proc(stderr=f'sysctl: cannot open "{f}": No such file or directory\n', rc=255)
        out, err = "", ""
        for key, value in _settings(st.files[f].content):
            o, e = _set_sysctl(ctx, key, value)
            out, err = out + o, err + e
        return Proc(out, err, 255 if err else 0)
    if p.has("-a", "--all"):
        return Proc(stdout="".join(f"{k} = {v}\n" for k, v in sorted(st.sysctls.items())))
    out, err = "", ""
    for arg in p.args:
        if "=" in arg:
            key, _, value = arg.partition("=")
            o, e = _set_sysctl(ctx, key.strip(), value.strip())
            out, err = out + ("" if quiet else o), err + e
            continue
        key = arg.replace("/", ".")
        if key not in st.sysctls:
            err += f"sysctl: cannot stat {_proc_path(key)}: No such file or directory\n"
            continue
        out += st.sysctls[key] + "\n" if p.has("-n", "--values") else f"{key} = {st.sysctls[key]}\n"
    return Proc(out, err, 255 if err else 0)


def _unit(name: str) -> str:
    return name.removesuffix(".service")


def systemctl(ctx: Ctx, argv: list[str]) -> Proc:
    try:
        p = getopt(argv[1:], "aqn:", ("now", "quiet", "all", "no-pager", "lines=", "full"))
    except OptionError as exc:
        return Proc(stderr=f"systemctl: {exc}\n", rc=1)
    if not p.args:
        return Proc(stderr="systemctl: emulator: listing units is not emulated\n", rc=1)
    verb, units = p.args[0], [_unit(u) for u in p.args[1:]]
    services = ctx.state.services
    quiet = p.has("-q", "--quiet")
    if verb == "daemon-reload":
        return Proc() if ctx.root else Proc(stderr="Failed to reload daemon: Access denied\n", rc=1)
    if verb in ("is-enabled", "is-active"):
        if not units:
            return Proc(stderr="Too few arguments.\n", rc=1)
        out, err, rc = "", "", 0
        for u in units:
            svc = services.get(u)
            if verb == "is-enabled":
                if svc is None:
                    err += f"Failed to get unit file state for {u}.service: No such file or directory\n"  # noqa: E501
                    rc = 1
                    continue
                word = "enabled" if svc.enabled else "disabled"
            else:
                word = _active_word(ctx, u, svc)
            rc = rc or (0 if word in ("enabled", "active") else (1 if verb == "is-enabled" else 3))
            out += "" if quiet else word + "\n"
        return Proc(out, err, rc)
    if verb in ("enable", "disable", "start", "stop", "restart"):
        return _change(ctx, verb, units, p.has("--now"))
    if verb == "status":
        return _status(ctx, units)
    return Proc(stderr=f"Unknown operation {verb}.\n", rc=1)


def _active_word(ctx: Ctx, unit: str, svc: Service | None) -> str:
    if svc is None or not svc.active:
        return "inactive"
    if unit == "kubelet" and "/etc/kubernetes/kubelet.conf" not in ctx.state.files:
        return "activating"  # restarts in a loop until kubeadm gives it a configuration
    return "active"


def _change(ctx: Ctx, verb: str, units: list[str], now: bool) -> Proc:
    if not units:
        return Proc(stderr="Too few arguments.\n", rc=1)
    services = ctx.state.services
    if not ctx.root:
        what = "enable unit" if verb == "enable" else f"{verb} {units[0]}.service"
        return Proc(stderr=f"Failed to {what}: Access denied\n", rc=1)
    err = ""
    for u in units:
        svc = services.get(u)
        if svc is None:
            if verb in ("enable", "disable"):
                return Proc(
                    stderr=f"Failed to {verb} unit: Unit file {u}.service does not exist.\n", rc=1
                )
            return Proc(stderr=f"Failed to {verb} {u}.service: Unit {u}.service not found.\n", rc=5)
        if verb == "enable":
            if not svc.enabled:
                err += (
                    f"Created symlink /etc/systemd/system/multi-user.target.wants/{u}.service"
                    f" \u2192 /lib/systemd/system/{u}.service.\n"
                )
            svc.enabled = True
            svc.active = svc.active or now
        elif verb == "disable":
            if svc.enabled:
                err += f"Removed /etc/systemd/system/multi-user.target.wants/{u}.service.\n"
            svc.enabled = False
            svc.active = svc.active and not now
        else:
            svc.active = verb != "stop"
    return Proc("", err, 0)


def _status(ctx: Ctx, units: list[str]) -> Proc:
    out, rc = "", 0
    for u in units:
        svc = ctx.state.services.get(u)
        if svc is None:
            return Proc(stderr=f"Unit {u}.service could not be found.\n", rc=4)
        word = _active_word(ctx, u, svc)
        state = "enabled" if svc.enabled else "disabled"
        running = {"active": "active (running)", "activating": "activating (auto-restart)"}
        out += (
            f"\u25cf {u}.service\n     Loaded: loaded (/lib/systemd/system/{u}.service; {state}; "
            f"vendor preset: enabled)\n     Active: {running.get(word, 'inactive (dead)')}\n"
        )
        rc = rc or (0 if word == "active" else 3)
    return Proc(out, "", rc)


def install_units(ctx: Ctx, package: str) -> None:
    """A package's systemd units appear when it is installed."""
    for unit, (pkg, started) in PACKAGE_UNITS.items():
        if pkg == package and unit not in ctx.state.services:
            ctx.state.services[unit] = Service(enabled=started, active=started)
