"""Build HWPX files in code with hwpforge's writer (Markdown -> HWPX, then an edit of its document model), and
broken HWP/HWPX files, for the HWP parser tests."""
from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

from tests.docparse.office_builders import png_bytes

# Real Hancom-made files are test data from other projects, kept outside this repository: the shared folder beside
# the checkout (`../shared/samples/hwp`, its SOURCES.md names each file's origin and licence) or
# $DOCRAG_HWP_SAMPLES. Tests that need them skip, saying so, where they are absent; everything else is built here.
SAMPLES = Path(os.environ.get("DOCRAG_HWP_SAMPLES")
               or Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "hwp")


def real_sample(name: str) -> Path:
    """The real sample file `name`, or a skip naming where it was looked for."""
    import pytest

    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"real HWP sample {name} not found in {SAMPLES} (set DOCRAG_HWP_SAMPLES)")
    return path

HWPX_MARKDOWN = """# 제1장 사업 개요

올해 사업은 글로벌 수출 확대를 목표로 한다.

## 1.1 실적

| 구분 | 2024 | 2025 |
|---|---|---|
| 매출 | 10 | 20 |
| 이익 | 3 | 4 |

![매출 추이](chart.png)
"""


def _caption(text: str, side: str) -> dict:
    return {"side": side, "width": 8504, "gap": 850,
            "paragraphs": [{"runs": [{"content": {"Text": text}, "char_shape_id": 7}], "para_shape_id": 20,
                            "column_break": False, "page_break": False}]}


def make_hwpx(path: Path) -> Path:
    """An HWPX with two outline headings, a paragraph, a table whose header merges "2024" and "2025" into one
    cell "연도" (col_span 2) under the caption "표 1 실적", and a picture captioned "그림 1 매출 추이"."""
    import hwpforge

    (path.parent / "chart.png").write_bytes(png_bytes(200, 120))
    built = hwpforge.convert_md(HWPX_MARKDOWN, base_dir=str(path.parent))
    model = json.loads(built.document.to_json(styles=True).text)
    for paragraph in model["document"]["sections"][0]["paragraphs"]:
        for run in paragraph["runs"]:
            content = run["content"]
            if "Table" in content:
                header = content["Table"]["rows"][0]["cells"]
                header[1]["col_span"] = 2
                header[1]["paragraphs"][0]["runs"][0]["content"]["Text"] = "연도"
                del header[2]
                content["Table"]["caption"] = _caption("표 1 실적", "Top")
            if "Image" in content:
                content["Image"]["caption"] = _caption("그림 1 매출 추이", "Bottom")
    edited = hwpforge.from_json(json.dumps(model), base=built.document)
    path.write_bytes(edited.document.to_bytes())
    return path


def make_truncated(source: Path, path: Path, keep: float = 0.4) -> Path:
    """The first `keep` fraction of a file's bytes."""
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def make_encrypted_hwpx(source: Path, path: Path) -> Path:
    """A copy of an HWPX package whose manifest declares encrypted parts (as password-protected HWPX does)."""
    manifest = (b'<?xml version="1.0" encoding="UTF-8"?><odf:manifest xmlns:odf="urn:oasis:names:tc:opendocument:'
                b'xmlns:manifest:1.0"><odf:file-entry odf:full-path="Contents/section0.xml"><odf:encryption-data '
                b'odf:checksum-type="SHA1"/></odf:file-entry></odf:manifest>')
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as copy:
        for info in original.infolist():
            data = manifest if info.filename == "META-INF/manifest.xml" else original.read(info.filename)
            copy.writestr(info, data)
    return path


def make_not_hwpx_zip(path: Path) -> Path:
    """A zip with an .hwpx name but no OWPML section part."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a document")
    path.write_bytes(buffer.getvalue())
    return path
