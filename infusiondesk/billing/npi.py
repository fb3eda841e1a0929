"""The National Provider Identifier's check digit (CMS, "Requirements for NPI Check Digit"): the Luhn
"double-add-double" formula over the first nine digits as if prefixed by 80840, which adds the constant 24."""

from __future__ import annotations

_PREFIX_80840 = 24  # the digits of the 80840 prefix as the Luhn formula counts them (CMS)


def npi_check_digit(first_nine: str) -> int:
    """The check digit CMS's formula gives for the first nine digits ("123456789" -> 3)."""
    total = _PREFIX_80840
    for i, ch in enumerate(reversed(first_nine)):
        d = int(ch)
        if i % 2 == 0:  # double alternate digits beginning with the rightmost
            d *= 2
            d = d // 10 + d % 10
        total += d
    return (10 - total % 10) % 10


def npi_problem(npi: str) -> str | None:
    """None for a well-formed NPI (10 digits, the last the CMS check digit), else what is wrong, in a sentence."""
    if len(npi) != 10 or not npi.isascii() or not npi.isdigit():
        return f"The NPI {npi!r} must be exactly 10 digits (as on the NPPES record)."
    if npi_check_digit(npi[:9]) != int(npi[9]):
        return (f"The NPI {npi} fails its check digit (CMS Luhn formula with prefix 80840): a digit is probably "
                "mistyped; copy it again from the NPPES record.")
    return None
