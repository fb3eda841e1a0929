"""A patient's phone and address as the core checks them (the form, the imports and the store share these)."""

from __future__ import annotations

import pytest

from infusiondesk.errors import InputError
from infusiondesk.validation import ADDRESS_LINES_MAX, PHONE_MAX, clean_address, clean_phone, phone_problem


@pytest.mark.parametrize("typed, kept", [
    ("+44 20 7946 0958", "+44 20 7946 0958"),
    ("(555) 010-0199", "(555) 010-0199"),
    ("  0207   946 0958 ", "0207 946 0958"),  # spaces collapsed, the leading zero kept
    ("", ""),                                 # not known
])
def test_a_phone_number_is_digits_and_the_punctuation_people_write(typed: str, kept: str) -> None:
    assert clean_phone(typed) == kept and phone_problem(typed) is None


@pytest.mark.parametrize("typed, said", [
    ("555 0100 ext 4", 'The phone number "555 0100 ext 4" may hold only digits, spaces, + ( ) and -; type it as'),
    ("call the daughter", 'The phone number "call the daughter" may hold only digits'),
    ("555.0100", 'The phone number "555.0100" may hold only digits'),
    ("+ ( ) -", 'The phone number "+ ( ) -" has no digits; type the number, or leave it empty.'),
    ("1" * (PHONE_MAX + 1), f"The phone number can be at most {PHONE_MAX} characters; this one has 33."),
])
def test_anything_else_is_refused_with_a_sentence_naming_the_phone(typed: str, said: str) -> None:
    with pytest.raises(InputError) as refused:
        clean_phone(typed)
    assert refused.value.field == "phone" and refused.value.message.startswith(said)
    assert phone_problem(typed) == refused.value.message


def test_an_address_keeps_its_lines_trimmed_without_blank_ones() -> None:
    typed = " 14  Orchard Lane \r\n\r\n Riverside\tWest\nRV1 4AB \n"
    assert clean_address(typed) == "14 Orchard Lane\nRiverside West\nRV1 4AB"
    assert clean_address("") == ""


def test_an_address_too_long_or_with_a_hidden_character_is_refused() -> None:
    with pytest.raises(InputError, match=f"at most {ADDRESS_LINES_MAX} lines; this one has 7"):
        clean_address("\n".join(f"line {i}" for i in range(7)))
    with pytest.raises(InputError, match="at most 400 characters"):
        clean_address("x" * 401)
    with pytest.raises(InputError, match=r"hidden or control character \(U\+202E\)") as refused:
        clean_address("14 Orchard\u202e Lane")
    assert refused.value.field == "address"
