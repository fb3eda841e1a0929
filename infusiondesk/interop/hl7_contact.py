"""The home address (PID-11, XAD) and phone number (PID-13, XTN) of an ADT message, as the patient record's text.

Read from the message's own text, not hl7apy's parse: hl7apy reads XTN-7 (the local number) as a number and drops
its leading zero ("0100" became "100"), which would store a wrong phone number. The separators are the message's
own (MSH-1 and MSH-2); the standard escapes (\\F\\ \\S\\ \\T\\ \\R\\ \\E\\) are undone.

Address: the repetition of type H (home), else the first; its lines are the street (XAD-1), the other designation
(XAD-2), then city, state or province and postcode (XAD-3, -4, -5) on one line, then the country (XAD-6). Phone: the
repetition used for the primary residence (XTN-2 PRN), else the first with a number; XTN-1 when it is given, else
+country (XTN-5), area (XTN-6) and local number (XTN-7). An extension (XTN-8) is not kept (the record's phone is the
number to dial); the import's report says so.
"""

from __future__ import annotations

from dataclasses import dataclass

_ESCAPES = ("F", "S", "T", "R", "E")  # field, component, subcomponent, repetition, escape


@dataclass(frozen=True)
class Separators:
    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"

    @classmethod
    def of(cls, er7: str) -> Separators:
        """The separators the message declares in MSH-1 and MSH-2 (the defaults when it is too short to say)."""
        if len(er7) < 8 or not er7.startswith("MSH"):
            return cls()
        chars = er7[4:8]
        return cls(er7[3], chars[0], chars[1], chars[2], chars[3] if len(chars) > 3 else "&")

    def unescape(self, text: str) -> str:
        by_code = dict(zip(_ESCAPES, (self.field, self.component, self.subcomponent, self.repetition, self.escape),
                           strict=True))
        for code, char in by_code.items():
            text = text.replace(f"{self.escape}{code}{self.escape}", char)
        return text


@dataclass(frozen=True)
class Contact:
    address: str = ""
    phone: str = ""
    extension_dropped: bool = False


def _pid_field(er7: str, number: int, sep: Separators) -> list[list[str]]:
    """The repetitions of PID-`number`, each as its components (subcomponents left joined)."""
    for segment in er7.replace("\n", "\r").split("\r"):
        if segment.startswith("PID" + sep.field):
            fields = segment.split(sep.field)
            if len(fields) <= number or not fields[number]:
                return []
            return [rep.split(sep.component) for rep in fields[number].split(sep.repetition)]
    return []


def _part(components: list[str], number: int, sep: Separators) -> str:
    """Component `number` (from 1), its first subcomponent, unescaped and trimmed."""
    if len(components) < number:
        return ""
    return sep.unescape(components[number - 1].split(sep.subcomponent)[0]).strip()


def _address(reps: list[list[str]], sep: Separators) -> str:
    if not reps:
        return ""
    home = next((r for r in reps if _part(r, 7, sep).upper() == "H"), reps[0])
    city = ", ".join(x for x in (_part(home, 3, sep), _part(home, 4, sep)) if x)
    city_line = " ".join(x for x in (city, _part(home, 5, sep)) if x)
    lines = (_part(home, 1, sep), _part(home, 2, sep), city_line, _part(home, 6, sep))
    return "\n".join(line for line in lines if line)


def _number(rep: list[str], sep: Separators) -> str:
    given = _part(rep, 1, sep)
    if given:
        return given
    country, area, local = _part(rep, 5, sep), _part(rep, 6, sep), _part(rep, 7, sep)
    return " ".join(x for x in (f"+{country}" if country else "", area, local) if x)


def contact(er7: str) -> Contact:
    """The address and phone of the message's first PID segment (empty when it gives none)."""
    sep = Separators.of(er7)
    phones = [r for r in _pid_field(er7, 13, sep) if _number(r, sep)]
    chosen = next((r for r in phones if _part(r, 2, sep).upper() == "PRN"), phones[0] if phones else None)
    return Contact(address=_address(_pid_field(er7, 11, sep), sep),
                   phone=_number(chosen, sep) if chosen is not None else "",
                   extension_dropped=chosen is not None and bool(_part(chosen, 8, sep)))
