"""What was added to a certified note after it was certified, named in words.

pyHanko's difference analysis decides whether a change after a signature is allowed; its reasons name PDF
objects ("Update of Reference(idnum=35)"), which tell a clinician nothing. This compares the note as certified
(the first signature's revision) with the file as it is now and names the additions a reader would see: a
signature in a field that was not laid out when the note was built, a new stamp or other annotation, changed or
added pages. pyHanko is passed in (its objects), never imported here at module level.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def _ref(obj: Any) -> tuple[int, int] | None:
    return (obj.idnum, obj.generation) if hasattr(obj, "idnum") else None


def _pages(handler: Any) -> list[Any]:
    """The page dictionaries in reading order (the /Pages tree walked depth-first)."""
    out: list[Any] = []

    def walk(node: Any) -> None:
        node = node.get_object()
        if node.get("/Type") == "/Pages" or "/Kids" in node:
            for kid in node["/Kids"]:
                walk(kid)
        else:
            out.append(node)

    walk(handler.root.raw_get("/Pages"))
    return out


def _annotation_refs(page: Any) -> dict[tuple[int, int], Any]:
    annots = page.get("/Annots")
    if annots is None:
        return {}
    refs = {}
    for a in annots.get_object():
        r = _ref(a)
        if r is not None:
            refs[r] = a.get_object()
    return refs


def _contents(page: Any) -> bytes:
    contents = page.get("/Contents")
    if contents is None:
        return b""
    contents = contents.get_object()
    streams = contents if isinstance(contents, list) else [contents]
    return b"\n".join(bytes(s.get_object().data) for s in streams)


def _sig_fields(handler: Any) -> Iterator[tuple[str, Any, tuple[int, int] | None]]:
    from pyhanko.sign.fields import enumerate_sig_fields

    for name, value, ref in enumerate_sig_fields(handler):
        yield name, value, _ref(ref)


def additions_since(reader: Any, revision: int, signer_of: dict[str, str]) -> list[str]:
    """One sentence per thing added or changed after `revision` (the certifying signature's), in page order.

    `signer_of` maps a signed field's name to its signer's name, so an added signature is named with its signer.
    """
    base = reader.get_historical_resolver(revision)
    found: list[str] = []
    laid_out = {name for name, _, _ in _sig_fields(base)}
    new_field_refs: set[tuple[int, int]] = set()
    for name, value, ref in _sig_fields(reader):
        if name in laid_out:
            continue
        if ref is not None:
            new_field_refs.add(ref)
        who = f" signed by {signer_of[name]}" if name in signer_of else (" (signed)" if value is not None else "")
        found.append(f'a signature field "{name}"{who} that was not laid out when the note was built')
    before, after = _pages(base), _pages(reader)
    if len(after) != len(before):
        found.append(f"the note had {len(before)} page(s) when certified and has {len(after)} now")
    for number, (old, new) in enumerate(zip(before, after, strict=False), start=1):
        if _contents(old) != _contents(new):
            found.append(f"the content of page {number} was changed")
        old_annots = _annotation_refs(old)
        for ref, annot in _annotation_refs(new).items():
            parent = _ref(annot.raw_get("/Parent")) if "/Parent" in annot else None
            if ref in old_annots or ref in new_field_refs or parent in new_field_refs:
                continue
            kind = str(annot.get("/Subtype", "/Annot")).lstrip("/")
            found.append(f"a new {kind} annotation (a stamp or mark) on page {number}")
    return found


def describe(additions: list[str]) -> str:
    """The additions as one sentence for the verdict."""
    return "Added after the note was certified: " + "; ".join(additions) + "."
