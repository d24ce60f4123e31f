"""The real RouterBackend of the twin's router: its namespace, its FRR instance, its kernel.

The VyOS emulator (lab/vyos) calls this to run op-mode passthroughs (`vtysh -c ...`, `ip ...`),
to apply the FRR configuration its commit produced, and to set sysctls, always inside the
router namespace. Formatting of `show arp` / `show interfaces` is pure and kept apart.
"""

from __future__ import annotations

from ipaddress import IPv4Interface

from bgplb.errors import LabError
from lab import frr
from lab.netns import IP, exec_argv, ip_json, run, run_rc

ALLOWED_SYSCTL_PREFIXES = ("net.ipv4.", "net.ipv6.")


def render_arp(neighbours: list[dict[str, object]]) -> str:
    """`arp -n` as VyOS's `show arp` prints it, from `ip -j -4 neigh`."""
    lines = [f"{'Address':<25}{'HWtype':<8}{'HWaddress':<20}{'Flags Mask':<16}Iface"]
    for n in neighbours:
        state = n.get("state", [])
        if isinstance(state, list) and ("FAILED" in state or "INCOMPLETE" in state):
            continue
        mac = str(n.get("lladdr", "(incomplete)"))
        flags = "CM" if isinstance(state, list) and "PERMANENT" in state else "C"
        lines.append(f"{n['dst']!s:<25}{'ether':<8}{mac:<20}{flags:<16}{n['dev']}")
    return "\n".join(lines) + "\n"


def render_interfaces(links: list[dict[str, object]]) -> str:
    """VyOS's `show interfaces` table, from `ip -j addr`."""
    lines = [
        "Codes: S - State, L - Link, u - Up, D - Down, A - Admin Down",
        f"{'Interface':<17}{'IP Address':<34}{'S/L':<5}Description",
        f"{'---------':<17}{'----------':<34}{'---':<5}-----------",
    ]
    for link in links:
        name = str(link["ifname"])
        flags = link.get("flags", [])
        flags = flags if isinstance(flags, list) else []
        admin = "u" if "UP" in flags else "A"
        oper = "u" if "LOWER_UP" in flags else "D"
        infos = link.get("addr_info", [])
        addrs = [
            str(IPv4Interface(f"{i['local']}/{i['prefixlen']}"))
            if i.get("family") == "inet"
            else f"{i['local']}/{i['prefixlen']}"
            for i in (infos if isinstance(infos, list) else [])
            if isinstance(i, dict) and i.get("scope") != "link"
        ] or ["-"]
        lines.append(f"{name:<17}{addrs[0]:<34}{admin}/{oper}")
        lines += [f"{'':<17}{a}" for a in addrs[1:]]
    return "\n".join(lines) + "\n"


class NamespaceRouterBackend:
    """RouterBackend for the router namespace and its FRR pathspace."""

    def __init__(self, inst: frr.Instance) -> None:
        self.inst = inst

    def run(self, argv: list[str]) -> tuple[str, int]:
        if not argv:
            return "", 0
        if argv[0] == "vtysh":
            return run_rc(frr.vtysh_argv(self.inst) + argv[1:], timeout=30)
        if argv[0] in ("vmstat", "free") or argv == ["cat", "/proc/uptime"]:  # read-only
            return run_rc(exec_argv(self.inst.ns, argv), timeout=30)
        if argv[0] == "ip":
            return run_rc([IP, "-n", self.inst.ns, *argv[1:]], timeout=30)
        return f"-vbash: {argv[0]}: command not found\n", 127

    def apply_frr(self, frr_config: str) -> str | None:
        return frr.reload(self.inst, frr_config)

    def set_sysctl(self, key: str, value: str) -> None:
        if not key.startswith(ALLOWED_SYSCTL_PREFIXES):
            raise LabError(f"sysctl {key} is not one the router may set")
        run(exec_argv(self.inst.ns, ["sysctl", "-q", "-w", f"{key}={value}"]))

    def show_arp(self) -> str:
        return render_arp(ip_json(self.inst.ns, ["-4", "neigh", "show"]))

    def show_interfaces(self) -> str:
        return render_interfaces(ip_json(self.inst.ns, ["addr", "show"]))
