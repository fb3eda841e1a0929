"""The password policy (NIST SP 800-63B): long, not common, not the user name, no composition rules."""

from __future__ import annotations

import pytest

from infusiondesk import passwords
from infusiondesk.passwords import PasswordRefused, check_new_password


@pytest.mark.parametrize("good", ["river lamp quiet tuesday", "correct horse battery", "ALLlowercaseNOdigits",
                                  "Überweisung Krankenhaus", "seven plums in a bowl", "kettle-orbit-mango"])
def test_long_uncommon_passwords_are_accepted_without_composition_rules(good: str) -> None:
    check_new_password(good, "nina")


@pytest.mark.parametrize(("bad", "why"), [
    ("12345678", "at least 15"),
    ("password", "at least 15"),
    (" " * 8, "at least 15"),
    (" " * 15, "only spaces"),
    ("a" * 129, "at most 128"),
    ("aaaaaaaaaaaaaaaaaa", "repeats"),
    ("abababababababab", "repeats"),
    ("abcdefghijklmnopq", "repeats"),
    ("qwertyuiopasdfghj", "keyboard"),
    ("1qaz2wsx3edc4rfv", "keyboard"),
    ("my name is nina really", "user name"),
    ("NINA-at-the-infusion-chair", "user name"),
    ("infusiondesk rocks 2026", "product's name"),
    ("password12345678!", "most common"),
    ("!!2024 sunshine 2024!!", "most common"),
    ("iloveyouiloveyouiloveyou", "most common"),
])
def test_weak_passwords_are_refused_with_one_sentence(bad: str, why: str) -> None:
    with pytest.raises(PasswordRefused, match=why) as refused:
        check_new_password(bad, "nina")
    message = refused.value.message
    assert message.endswith(".") and message.count(". ") == 0  # one sentence


def test_the_blocklist_ships_with_the_app_and_is_the_common_list() -> None:
    common = passwords.common_passwords()
    assert len(common) > 19_000
    assert {"123456", "password", "qwerty", "iloveyou"} <= common
    assert passwords.COMMON_PASSWORDS_FILE.with_name("common-passwords.NOTICE.txt").read_text().count("BSD") >= 1


def test_the_minimum_and_maximum_follow_the_guideline() -> None:
    assert passwords.MIN_LENGTH >= 8 and passwords.MAX_LENGTH >= 64
    check_new_password("plum tree " * 12, "")  # 120 characters: long passphrases are welcome
