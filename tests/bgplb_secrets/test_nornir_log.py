"""nornir.log: private (0600), never written through a symlink, secrets masked, including the
twin's router password when the twin hands it over through the environment."""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bgplb import cli, secrets
from bgplb.model import load_site
from bgplb.secrets import MASK, configure_nornir_log
from tests.conftest import REPO


@pytest.fixture(autouse=True)
def _detach_log() -> Iterator[None]:
    yield
    logger = logging.getLogger("nornir")
    for handler in [h for h in logger.handlers if getattr(h, "bgplb", False)]:
        logger.removeHandler(handler)
        handler.close()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_created_0600_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        log = configure_nornir_log([], tmp_path / "nornir.log")
    finally:
        os.umask(old)
    assert _mode(log) == 0o600


def test_an_existing_wider_log_is_brought_back_to_0600_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "nornir.log"
    path.write_text("earlier run\n")
    path.chmod(0o644)
    configure_nornir_log([], path)
    logging.getLogger("nornir.core").warning("this run")
    assert _mode(path) == 0o600
    text = path.read_text()
    assert text.startswith("earlier run\n") and "this run" in text


def test_a_symlink_in_its_place_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("")
    (tmp_path / "nornir.log").symlink_to(elsewhere)
    with pytest.raises(OSError, match=r"Too many levels of symbolic links"):
        configure_nornir_log([], tmp_path / "nornir.log")
    assert elsewhere.read_text() == ""


def test_a_secret_registered_after_the_log_is_configured_is_masked(tmp_path: Path) -> None:
    log = configure_nornir_log([], tmp_path / "nornir.log")
    secrets.register("abcdef.0123456789abcdef")  # e.g. a join token received mid-run
    logging.getLogger("nornir.core").error("join with --token abcdef.0123456789abcdef failed")
    try:
        raise RuntimeError("token abcdef.0123456789abcdef refused")
    except RuntimeError:
        logging.getLogger("nornir.core").exception("task failed")
    text = log.read_text()
    assert "abcdef.0123456789abcdef" not in text
    assert f"join with --token {MASK} failed" in text and f"token {MASK} refused" in text


def test_the_twins_router_password_from_the_environment_is_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The twin gives its generated password through the variable its inventory names, as a
    real site does: reading the site's secrets registers it, so the log and JSON mask it."""
    site = load_site(REPO / "inventory" / "lab")
    name = site.router.login.credentials.password_env
    assert name is not None
    generated = "Zq3-generated_by_the_twin"
    monkeypatch.setenv(name, generated)
    log = configure_nornir_log(secrets.secret_values(site), tmp_path / "nornir.log")
    logging.getLogger("nornir.core").info("ssh vyos@198.18.123.20 password %s", generated)
    cli.emit_json({"detail": f"login {generated}"})
    assert generated not in log.read_text()
    assert json.loads(capsys.readouterr().out) == {"detail": f"login {MASK}"}
