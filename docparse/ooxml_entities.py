"""Entity references in Office XML parts, made harmless without losing the text around them.

Word, PowerPoint and Excel never write a DOCTYPE or a named entity beyond XML's five, but a crafted file can. The
readers unstructured uses parse with entities off (no XXE, no billion laughs), and an unresolved reference then
hides the text after it in the same run ("Bravo &ext; tail" reads as "Bravo"); a reference with no declaration
at all fails the whole file. So, before parsing, each XML part with a DOCTYPE or a named reference is rewritten:
the DOCTYPE is removed, a reference to a plain internal entity ("<!ENTITY co 'Zentrix'>") becomes its text, and
any other reference (external, nested, undeclared) is dropped. Parts without either pass untouched.
"""
from __future__ import annotations

import io
import re
import zipfile
from xml.sax.saxutils import escape

_DOCTYPE = re.compile(rb"<!DOCTYPE\b[^\[>]*(?:\[.*?\]\s*)?>", re.S)
_INTERNAL = re.compile(rb"<!ENTITY\s+([A-Za-z_][\w.-]*)\s+(?:\"([^\"&<%]*)\"|'([^'&<%]*)')\s*>")
_REFERENCE = re.compile(rb"&([A-Za-z_][\w.-]*);")
_PREDEFINED = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})
_PROLOG = 1 << 16  # a DOCTYPE stands before the root element, near the top of the part


def clean_part(xml: bytes) -> bytes | None:
    """The part without its DOCTYPE and named entity references (see the module docstring); None when it has
    neither and needs no change."""
    doctype = _DOCTYPE.search(xml, 0, _PROLOG) if b"<!DOCTYPE" in xml[:_PROLOG] else None
    undeclared = any(m.group(1) not in _PREDEFINED for m in _REFERENCE.finditer(xml))
    if doctype is None and not undeclared:
        return None
    values: dict[bytes, bytes] = {}
    if doctype is not None:
        for match in _INTERNAL.finditer(doctype.group(0)):
            text = (match.group(2) if match.group(2) is not None else match.group(3)).decode("utf-8", "replace")
            values[match.group(1)] = escape(text).encode("utf-8")
        xml = xml[:doctype.start()] + xml[doctype.end():]

    def replace(match: re.Match) -> bytes:
        name = match.group(1)
        return match.group(0) if name in _PREDEFINED else values.get(name, b"")

    return _REFERENCE.sub(replace, xml)


def without_entities(package: zipfile.ZipFile) -> bytes | None:
    """The package rebuilt with its XML parts cleaned (clean_part), or None when no part needed it."""
    cleaned: dict[str, bytes] = {}
    for item in package.infolist():
        if item.filename.endswith((".xml", ".rels")):
            fixed = clean_part(package.read(item))
            if fixed is not None:
                cleaned[item.filename] = fixed
    if not cleaned:
        return None
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as rebuilt:
        for item in package.infolist():
            rebuilt.writestr(item, cleaned.get(item.filename) or package.read(item))
    return out.getvalue()
