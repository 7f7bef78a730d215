"""Compare HWP/HWPX reading libraries on a folder of .hwp/.hwpx files: what each extracts per file.

hwpforge (the one docparse uses) and hwp2markdown are read through their document models; candidates not
installed are skipped. Per file and library: characters of text, tables, merged cells (spans > 1: only a
model that keeps spans can count them), pictures with bytes, captions, or the error.

    pip download --no-deps -d /tmp/hwp-candidates hwp2markdown==0.1.0
    pip install --no-deps --target /tmp/hwp-candidates/site /tmp/hwp-candidates/*.whl
    PYTHONPATH=/tmp/hwp-candidates/site python bench/hwp_readers.py FOLDER
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def _walk(value, found: dict) -> None:
    if isinstance(value, dict):
        content = value.get("content")
        if isinstance(content, dict):
            if "Text" in content:
                found["chars"] += len(str(content["Text"]).strip())
            if "InlineText" in content:
                found["chars"] += sum(len(str(s["Plain"]).strip()) for s in content["InlineText"].get("segments")
                                      or () if isinstance(s, dict) and "Plain" in s)
            for kind in ("Table", "Image"):
                if kind in content:
                    found["tables" if kind == "Table" else "pictures"] += 1
                    if content[kind].get("caption"):
                        found["captions"] += 1
            if "Table" in content:
                for row in content["Table"].get("rows") or ():
                    for cell in row.get("cells") or ():
                        if (cell.get("row_span") or 1) > 1 or (cell.get("col_span") or 1) > 1:
                            found["merged"] += 1
        for item in value.values():
            _walk(item, found)
    elif isinstance(value, list):
        for item in value:
            _walk(item, found)


def hwpforge_counts(path: Path) -> dict:
    import hwpforge

    data = path.read_bytes()
    doc = hwpforge.Document.from_bytes(data) if path.suffix.lower() == ".hwpx" else \
        hwpforge.convert_hwp5(data).document
    found = {"chars": 0, "tables": 0, "merged": 0, "pictures": 0, "captions": 0}
    _walk(json.loads(doc.to_json(styles=False).text), found)
    return found


def hwp2markdown_counts(path: Path) -> dict:
    from hwp2md.blocks import Paragraph, Table, iter_images
    from hwp2md.convert import read_blocks

    blocks = read_blocks(path)
    return {"chars": sum(len(b.text) for b in blocks if isinstance(b, Paragraph))
            + sum(len(c) for b in blocks if isinstance(b, Table) for row in b.rows for c in row),
            "tables": sum(isinstance(b, Table) for b in blocks), "merged": "n/a (no spans)",
            "pictures": len(list(iter_images(blocks))), "captions": "n/a"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    readers = {"hwpforge": hwpforge_counts, "hwp2markdown": hwp2markdown_counts}
    print("| file | library | text chars | tables | merged cells | pictures | captions |")
    print("|---|---|---|---|---|---|---|")
    for path in sorted(p for p in args.folder.iterdir() if p.suffix.lower() in (".hwp", ".hwpx")):
        for name, reader in readers.items():
            try:
                c = reader(path)
                row = f"{c['chars']} | {c['tables']} | {c['merged']} | {c['pictures']} | {c['captions']}"
            except ImportError:
                continue
            except Exception as err:  # a library's refusal is a result here
                row = f"error: {type(err).__name__}: {str(err).splitlines()[0][:60]} | | | |"
            print(f"| {path.name} | {name} | {row} |")


if __name__ == "__main__":
    main()
