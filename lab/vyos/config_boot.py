"""Read and write /config/config.boot.

Writing: 1.4 LTS and later (vyos1x-config render_config) double-quote every value; older
builds wrote `cli-shell-api showConfig` output (quotes only when needed). Both end with the
`// vyos-config-version` trailer. Reading accepts both.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from lab.vyos.config_tree import ConfigLoadError, ConfigNode, tree_from_paths
from lab.vyos.render import INDENT, config_lines
from lab.vyos.schema import SchemaNode
from lab.vyos.versions import CompareFormat, RouterVersion

_COMPONENTS_OLD = (
    "broadcast-relay@1:cluster@1:config-management@1:conntrack@1:conntrack-sync@1:"
    "dhcp-relay@2:dhcp-server@5:dhcpv6-server@1:dns-forwarding@3:firewall@5:https@2:"
    "interfaces@22:ipoe-server@1:ipsec@5:isis@1:l2tp@3:lldp@1:mdns@1:nat@5:ntp@1:"
    "pppoe-server@5:pptp@2:qos@1:quagga@8:rpki@1:salt@1:snmp@2:ssh@2:sstp@3:system@20:"
    "vrrp@2:vyos-accel-ppp@2:wanloadbalance@3:webproxy@2:zone-policy@1"
)
_COMPONENTS_NEW = (
    "bgp@5:broadcast-relay@1:cluster@2:config-management@1:conntrack@5:conntrack-sync@2:"
    "container@2:dhcp-relay@2:dhcp-server@8:dhcpv6-server@1:dns-dynamic@4:dns-forwarding@4:"
    "firewall@15:flow-accounting@1:https@6:ids@1:interfaces@32:ipoe-server@3:ipsec@13:"
    "isis@3:l2tp@9:lldp@2:mdns@1:monitoring@1:nat@8:nat66@3:ntp@3:openconnect@3:ospf@2:"
    "pim@1:policy@8:pppoe-server@10:pptp@5:qos@2:quagga@11:reverse-proxy@1:rip@1:rpki@2:"
    "salt@1:snmp@3:ssh@2:sstp@6:system@27:vrf@3:vrrp@4:vyos-accel-ppp@2:wanloadbalance@3:"
    "webproxy@2"
)


def render_config_boot(root: ConfigNode, router: RouterVersion) -> str:
    new = router.compare_format is CompareFormat.NEW
    version = router.version
    body = "".join(INDENT * lvl + text + "\n" for lvl, text in config_lines(root, quote_all=new))
    components = _COMPONENTS_NEW if new else _COMPONENTS_OLD
    trailer = (
        "// Warning: Do not remove the following line.\n"
        f'// vyos-config-version: "{components}"\n'
        f"// Release version: {version}\n"
    )
    return body + ("\n\n" if new else "\n") + trailer


@dataclass
class _Block:
    words: list[str]
    has_children: bool = False


def config_boot_paths(text: str) -> list[list[str]]:
    """Every set-path a config.boot text describes (leaf values and empty nodes)."""
    paths: list[list[str]] = []
    stack: list[_Block] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("//") or (line.startswith("/*") and line.endswith("*/")):
            continue
        prefix = [w for b in stack for w in b.words]
        if line == "}":
            if not stack:
                raise ConfigLoadError(f"config.boot line {lineno}: unbalanced '}}'")
            block = stack.pop()
            if not block.has_children:
                paths.append(prefix)
            continue
        try:
            words = shlex.split(line.removesuffix("{"), posix=True)
        except ValueError as e:
            raise ConfigLoadError(f"config.boot line {lineno}: {e}") from e
        if stack:
            stack[-1].has_children = True
        if line.endswith("{"):
            stack.append(_Block(words))
        else:
            paths.append(prefix + words)
    if stack:
        raise ConfigLoadError("config.boot: unterminated block")
    return paths


def parse_config_boot(text: str, schema: SchemaNode) -> ConfigNode:
    return tree_from_paths(schema, config_boot_paths(text), "config.boot rejected")
