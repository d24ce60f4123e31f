"""A commit-confirm left pending by another session (a killed deploy): confirmed or rolled
back by choice, the router's own answer to `confirm` telling whether one was pending."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from napalm_bgplb_vyos import BgplbVyosDriver
from napalm_bgplb_vyos.driver_errors import VyosCommitError

from . import vyos_texts as texts
from .fake_netmiko import FakeNetmiko, config_reply, op_reply

MakeDriver = Callable[..., tuple[BgplbVyosDriver, FakeNetmiko]]
ROLLING = {"vyos_version": "1.4-rolling-202105210417"}
LTS = {"vyos_version": "1.4.0"}
# section 6a/6b [S]: vyatta-config-mgmt (1.3) and config_mgmt.py (1.4) when nothing is pending
NO_CONFIRM_PENDING = "No confirm pending\n"
ADDED = "set protocols bgp neighbor 10.1.50.4 remote-as '65004'\n"


def confirm_steps(answer: str, save: str) -> list[tuple[str, str]]:
    return [
        ("configure", config_reply("")),
        ("confirm", config_reply(answer)),
        ("save", config_reply(save)),
        ("exit", op_reply(texts.EXIT_SAVED)),
    ]


@pytest.mark.parametrize(
    ("optional_args", "answer", "save", "pending"),
    [
        (LTS, texts.CONFIRM_STOPPED_14, texts.SAVE_14, True),
        (LTS, NO_CONFIRM_PENDING, texts.SAVE_14, False),
        (ROLLING, "", texts.SAVE_13, True),  # 1.3 style: `confirm` prints nothing
        (ROLLING, NO_CONFIRM_PENDING, texts.SAVE_13, False),
    ],
)
def test_confirm_a_commit_left_by_another_session(
    make_driver: MakeDriver, optional_args: dict[str, Any], answer: str, save: str, pending: bool
) -> None:
    driver, fake = make_driver(confirm_steps(answer, save), optional_args)
    assert not driver.has_pending_commit()  # this instance never committed
    assert driver.confirm_pending_commit() is pending
    assert fake.steps == []


def test_an_unknown_answer_to_confirm_is_an_error(make_driver: MakeDriver) -> None:
    driver, _ = make_driver(confirm_steps("Something else\n", texts.SAVE_14), LTS)
    with pytest.raises(VyosCommitError, match="confirm answered 'Something else'"):
        driver.confirm_pending_commit()


@pytest.mark.parametrize(
    ("answer", "pending"), [(texts.CONFIRM_STOPPED_14, True), (NO_CONFIRM_PENDING, False)]
)
def test_roll_back_a_commit_left_by_another_session(
    make_driver: MakeDriver, answer: str, pending: bool
) -> None:
    steps = [
        ("show configuration commands", op_reply(texts.CONFIG_COMMANDS_14 + ADDED)),
        ("configure", config_reply("")),
        ("delete protocols bgp neighbor 10.1.50.4", config_reply("")),
        ("commit", config_reply("")),
        ("confirm", config_reply(answer)),
        ("save", config_reply(texts.SAVE_14)),
        ("exit", op_reply(texts.EXIT_SAVED)),
    ]
    driver, fake = make_driver(steps, LTS)
    assert driver.rollback_pending_commit(texts.CONFIG_COMMANDS_14) is pending
    assert fake.steps == []


def test_roll_back_when_the_router_already_reverted(make_driver: MakeDriver) -> None:
    """Nothing to revert (the router rebooted into the old config): only `confirm`, `save`."""
    steps = [
        ("show configuration commands", op_reply(texts.CONFIG_COMMANDS_14)),
        *confirm_steps(NO_CONFIRM_PENDING, texts.SAVE_14),
    ]
    driver, fake = make_driver(steps, LTS)
    assert driver.rollback_pending_commit(texts.CONFIG_COMMANDS_14) is False
    assert fake.steps == []
