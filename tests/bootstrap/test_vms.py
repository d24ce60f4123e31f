from __future__ import annotations

from bgplb.bootstrap.vms import create_command, missing_vms, parse_vm_list
from bgplb.model import load_site
from bgplb.nornir_init import init_nornir
from tasks.vms import vms
from tests.conftest import REPO


def test_create_command_matches_the_write_up_without_the_password() -> None:
    site = load_site(REPO / "inventory")
    assert site.hypervisor is not None
    assert create_command(site.hypervisor.vms[0]) == (
        "uvt-kvm create master01 --template ./uvtool-templates/master01.xml --cpu 4 "
        "--memory 8192 --disk 60 --run-script-once ./master_install_packages.sh"
    )
    existing = parse_vm_list("master01\nworker01\n")
    assert [vm.name for vm in missing_vms(site.hypervisor.vms, existing)] == ["worker02"]


def test_dry_run_without_probe_contacts_nothing() -> None:
    site = load_site(REPO / "inventory" / "lab")
    assert site.hypervisor is not None
    nr = init_nornir(site, {site.hypervisor.name})
    result = nr.run(task=vms, site=site, dry_run=True, probe=False)
    assert not result.failed
    assert result["kvm"][0].changed
    assert result["kvm"][0].diff.count("uvt-kvm create") == 3
    assert nr.inventory.hosts["kvm"].connections == {}
