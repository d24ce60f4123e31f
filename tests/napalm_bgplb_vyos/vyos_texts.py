"""VyOS answers replayed by the fake connection, copied from ../shared/notes/vyos-transcripts.md
(section numbers given) or read from verbatim excerpts kept in tests/fixtures (their READMEs).
The prompt lines are added by fake_netmiko.op_reply/config_reply as `vyos@vyos:~$ ` and
`[edit]` + `vyos@vyos# `.
"""

from __future__ import annotations

from tests.write_up import vyos_block

from .conftest import ROOT, read_text

# section 2a [D] 1.4 (same format [V] on 1.3.8)
SET_INVALID = "\n  Configuration path: protocols bgp [local-as] is not valid\n  Set failed\n\n"
# section 2b [D]
DELETE_MISSING = "\n  Nothing to delete (the specified node does not exist)\n\n"
# section 4c [V] vyos-1x PR #1248 (1.4-rolling, old format), prompt `[edit]` not included
COMPARE_OLD = (
    "[edit protocols bgp]\n+neighbor eth0 {\n+    interface {\n+        remote-as 65002\n"
    "+        source-interface eth0\n+    }\n+}\n"
)
# section 4b (ii) [D] 1.4 new format; `print()` adds the empty line
COMPARE_NEW = (
    "[protocols bgp neighbor]\n+ 192.0.2.6 {\n+     address-family {\n+         ipv4-unicast\n"
    '+     }\n+     remote-as "65003"\n+ }\n\n'
)
NO_CHANGES_13 = "No changes between working and active configurations\n"  # section 4a, 1.3 [S]
NO_CHANGES_14 = "No changes between working and active configurations.\n\n"  # section 4a [D]
# section 5c [V] vyos-1x PR #3151
COMMIT_FAILED = (
    "\n% Invalid command. Not an internal neighbor\n\n[[protocols bgp]] failed\nCommit failed\n"
)
SAVE_13 = "Saving configuration to '/config/config.boot'...\nDone\n"  # section 7 [V]
SAVE_14 = ""  # section 7: 1.4 LTS and 1.5 print nothing
EXIT_UNSAVED = "Warning: configuration changes have not been saved.\nexit\n"  # section 8 [V]
EXIT_SAVED = "exit\n"  # section 8 [V] 2026 rolling, after save
# section 6a [V] docs cli.rst (1.3 text); the `y` answer then returns to `[edit]`
CONFIRM_PROMPT_13 = (
    "commit confirm will be automatically reboot in 10 minutes unless confirmed\nProceed? [confirm]"
)
# section 6b [D] 1.4
CONFIRM_PROMPT_14 = (
    "\ncommit-confirm will automatically reboot in 10 minutes unless changes\nare confirmed.\n\n"
    "Proceed ? [Y/n] "
)
CONFIRM_DONE_14 = "Initialized commit-confirm; 10 minutes to confirm before reboot\n"
CONFIRM_STOPPED_14 = "Reboot timer stopped\n"
# section 3 [D]
OP_INVALID = "\n  Invalid command: show [foo]\n\n"
# section 10a [V] 1.4 (ICTSC 2023), first lines
CONFIG_COMMANDS_14 = (
    "set interfaces dummy dum0 address '172.16.1.1/24'\n"
    "set interfaces ethernet eth0 address 'dhcp'\n"
    "set interfaces ethernet eth0 address '192.168.17.1/24'\n"
    "set interfaces ethernet eth1 address '10.1.49.1/24'\n"
    "set interfaces ethernet eth2 address '10.1.48.1/24'\n"
    "set interfaces loopback lo\n"
    "set protocols bgp neighbor 10.1.48.2 remote-as '65002'\n"
    "set protocols bgp neighbor 10.1.49.3 remote-as '65003'\n"
    "set protocols bgp parameters router-id '192.168.17.1'\n"
    "set protocols bgp system-as '65001'\n"
    "set protocols static route 0.0.0.0/0 next-hop 192.168.17.254\n"
)


def seed_block(command: str) -> str:
    """The output of `command` in the reference lab write-up (between its prompt lines)."""
    block = vyos_block(command)
    assert block.endswith("\n"), f"write-up's `{command}` block has no final line end"
    return block[:-1]


def show_version_template_14() -> str:
    """Section 9a [S]: the 1.4 `show version` template rendered with 1.4.0 values."""
    block = read_text(ROOT / "tests" / "fixtures" / "vyos" / "show_version.1.4-template.txt")
    block = block.strip("\n")
    values = {
        "version": "1.4.0",
        "release_train": "sagitta",
        "flavor": "generic",
        "built_by": "autobuild@vyos.net",
        "built_on": "Mon 05 Feb 2024 00:00 UTC",
        "build_uuid": "00000000-0000-0000-0000-000000000000",
        "build_git": "0000000",
        "system_arch": "x86_64",
        "boot_via": "installed image",
        "system_type": "KVM guest",
        "hardware_vendor": "QEMU",
        "hardware_model": "Standard PC (Q35 + ICH9, 2009)",
        "hardware_serial": "",
        "hardware_uuid": "00000000-0000-0000-0000-000000000000",
    }
    lines = [x for x in block.splitlines() if not x.lstrip().startswith("{%")]
    rendered = "\n".join(lines)
    for key, value in values.items():
        rendered = rendered.replace("{{" + key + "}}", value)
    assert "{{" not in rendered.replace("{{build_comment}}", ""), rendered
    return "\n".join(x for x in rendered.splitlines() if "{{build_comment}}" not in x).strip()
