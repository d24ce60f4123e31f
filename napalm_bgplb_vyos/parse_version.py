"""VyOS `show version`, `show configuration commands` and /proc/uptime -> NAPALM get_facts.

Both layouts are read: the 2021 rolling one (leading blank line, `Release Train:`,
`Build Commit ID:`) and the 1.4/1.5 template (`Release train:`, `Release flavor:` ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from napalm.base.models import FactsDict

from bgplb.errors import ParseError
from bgplb.vyos.dialects import UnknownVyosVersion, VyosDialect, dialect_for
from bgplb.vyos.paths import parse_show_commands

_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9 /]*?):[ \t]*(.*?)\s*$")


@dataclass(frozen=True)
class VyosVersion:
    version: str  # without the "VyOS " prefix, e.g. 1.4-rolling-202105210417
    release_train: str
    hardware_model: str
    serial_number: str
    system_type: str

    def dialect(self) -> VyosDialect:
        """The CLI dialect of this version; UnknownVyosVersion if the toolkit cannot speak it."""
        return dialect_for(self.version)

    def dialect_name(self) -> str:
        try:
            return self.dialect().name
        except UnknownVyosVersion:
            return "unsupported"


def parse_show_version(text: str) -> VyosVersion:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        m = _FIELD.match(line.strip())
        if m:
            fields.setdefault(m[1].strip().lower(), m[2])
    raw = fields.get("version", "")
    if not raw.startswith("VyOS "):
        raise ParseError("show version", "no `Version:          VyOS <version>` line", text)
    return VyosVersion(
        version=raw.removeprefix("VyOS ").strip(),
        release_train=fields.get("release train", ""),
        hardware_model=fields.get("hardware model", ""),
        serial_number=fields.get("hardware s/n", ""),
        system_type=fields.get("system type", ""),
    )


def parse_proc_uptime(text: str) -> float:
    """`/proc/uptime` is `<seconds up> <seconds idle>`."""
    parts = text.split()
    try:
        return float(parts[0])
    except (IndexError, ValueError) as exc:
        raise ParseError("cat /proc/uptime", "expected `<uptime> <idle>` seconds", text) from exc


@dataclass(frozen=True)
class ConfigFacts:
    hostname: str
    domain_name: str
    interfaces: list[str]


def parse_config_facts(config_commands: str) -> ConfigFacts:
    hostname = ""
    domain = ""
    interfaces: list[str] = []
    paths = parse_show_commands(config_commands)
    if not paths:
        raise ParseError("show configuration commands", "no `set ...` lines", config_commands)
    for words in paths:
        if words[0:2] == ("system", "host-name") and len(words) == 3:
            hostname = words[2]
        elif words[0:2] == ("system", "domain-name") and len(words) == 3:
            domain = words[2]
        elif words[0] == "interfaces" and len(words) >= 3:
            name = words[2]
            if len(words) >= 5 and words[3] == "vif":
                name = f"{name}.{words[4]}"
            if name not in interfaces:
                interfaces.append(name)
    return ConfigFacts(hostname=hostname, domain_name=domain, interfaces=interfaces)


def build_facts(
    version: VyosVersion, config: ConfigFacts, uptime: float, prompt_host: str
) -> FactsDict:
    """NAPALM FactsDict; `os_version` is the plain VyOS version (dialect: get_vyos_dialect)."""
    hostname = config.hostname or prompt_host
    return {
        "os_version": version.version,
        "uptime": uptime,
        "interface_list": sorted(config.interfaces),
        "vendor": "VyOS",
        "serial_number": version.serial_number,
        "model": version.hardware_model or version.system_type,
        "hostname": hostname,
        "fqdn": f"{hostname}.{config.domain_name}" if config.domain_name else hostname,
    }
