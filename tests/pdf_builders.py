"""PDF fixtures built in code with PyMuPDF (no files checked in, no network). Each writes to a given path."""
from __future__ import annotations

import io
from pathlib import Path

import pymupdf

INTRO_PARAGRAPHS = (
    "This report summarises the operations of the company during the fiscal year. "
    "The quarterly revenue of Zentrix Corp was 4,812 million dollars.",
    "Operating costs fell by eight percent, driven by lower energy prices and a leaner supply chain. "
    "Management expects the trend to continue into the next year.",
)
TABLE_GRID = [["Region", "2022", "2023"], ["North", "1,200", "1,350"], ["South", "980", "1,105"],
              ["Total", "2,180", "2,455"]]
KOREAN_GRID = [["구분", "질병명", "신고"], ["제1급", "에볼라바이러스병", "즉시"], ["제2급", "결핵", "24시간 이내"]]


def _png(width: int = 300, height: int = 200) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (210, 230, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 100, 140, 180), fill=(120, 120, 120))
    draw.ellipse((180, 20, 260, 100), fill=(250, 200, 0))
    draw.polygon([(150, 180), (220, 110), (290, 180)], fill=(30, 140, 60))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _ruled_table(page: pymupdf.Page, grid: list[list[str]], x0: float, y0: float, col_w: float, row_h: float,
                 fontname: str = "helv", fontfile: str | None = None) -> pymupdf.Rect:
    rows, cols = len(grid), len(grid[0])
    x1, y1 = x0 + cols * col_w, y0 + rows * row_h
    for r in range(rows + 1):
        page.draw_line((x0, y0 + r * row_h), (x1, y0 + r * row_h), width=0.8)
    for c in range(cols + 1):
        page.draw_line((x0 + c * col_w, y0), (x0 + c * col_w, y1), width=0.8)
    for r, row in enumerate(grid):
        for c, text in enumerate(row):
            page.insert_text((x0 + c * col_w + 6, y0 + r * row_h + row_h * 0.68), text, fontsize=10,
                             fontname=fontname)
    return pymupdf.Rect(x0, y0, x1, y1)


def make_report_pdf(path: str | Path) -> Path:
    """Three pages: 1 heading + paragraphs; 2 heading, captioned ruled table and captioned photo; 3 vector chart."""
    path = Path(path)
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 90), "1 Introduction", fontsize=22, fontname="hebo")
    y = 130
    for paragraph in INTRO_PARAGRAPHS:
        rect = pymupdf.Rect(72, y, 523, y + 80)
        page.insert_textbox(rect, paragraph, fontsize=11, fontname="helv")
        y += 90

    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 90), "2 Results", fontsize=22, fontname="hebo")
    page.insert_textbox(pymupdf.Rect(72, 110, 523, 160),
                        "Revenue grew in every region. The table below lists revenue in thousands of dollars.",
                        fontsize=11, fontname="helv")
    page.insert_text((120, 190), "Table 1: Revenue by region", fontsize=11, fontname="helv")
    _ruled_table(page, TABLE_GRID, 120, 200, 110, 24)
    page.insert_image(pymupdf.Rect(150, 360, 450, 560), stream=_png())
    page.insert_text((150, 580), "Figure 1: Site photograph of the plant", fontsize=11, fontname="helv")

    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 90), "3 Sales", fontsize=22, fontname="hebo")
    page.insert_textbox(pymupdf.Rect(72, 110, 523, 160),
                        "Unit sales rose through the year, as the chart below shows.", fontsize=11, fontname="helv")
    base_x, base_y = 140, 480
    page.draw_line((base_x, 220), (base_x, base_y), width=1.2)  # y axis
    page.draw_line((base_x, base_y), (460, base_y), width=1.2)  # x axis
    for i, height in enumerate((90, 140, 180, 230)):
        left = base_x + 20 + i * 75
        page.draw_rect(pymupdf.Rect(left, base_y - height, left + 50, base_y), color=(0, 0, 0.5),
                       fill=(0.2, 0.4, 0.8))
        page.insert_text((left + 17, base_y + 16), f"Q{i + 1}", fontsize=10, fontname="helv")
    page.draw_rect(pymupdf.Rect(380, 225, 392, 237), fill=(0.2, 0.4, 0.8), color=None)
    page.insert_text((396, 235), "Units sold", fontsize=9, fontname="helv")
    page.insert_text((140, 520), "Figure 2: Quarterly units sold", fontsize=11, fontname="helv")
    doc.save(path)
    doc.close()
    return path


def make_korean_pdf(path: str | Path) -> Path:
    """One page of Korean text with a "[표 1] 감염병 분류" caption over a small ruled table of Korean cells."""
    path = Path(path)
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_font(fontname="korea", fontbuffer=pymupdf.Font("korea").buffer)
    page.insert_text((72, 90), "1. 감염병 관리 현황", fontsize=20, fontname="korea")
    page.insert_text((72, 130), "질병관리청은 감염병을 위험도에 따라 네 단계로 분류하여 관리한다.", fontsize=11,
                     fontname="korea")
    page.insert_text((72, 150), "각 등급은 신고 기한과 격리 수준이 다르다.", fontsize=11, fontname="korea")
    page.insert_text((110, 190), "[표 1] 감염병 분류", fontsize=11, fontname="korea")
    _ruled_table(page, KOREAN_GRID, 110, 200, 120, 26, fontname="korea")
    doc.save(path)
    doc.close()
    return path


def make_bad_files(folder: str | Path) -> dict[str, Path]:
    """empty.pdf, truncated.pdf, encrypted.pdf (user password "secret"), renamed.pdf (text), notes.xyz."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = {name: folder / name for name in ("empty.pdf", "truncated.pdf", "encrypted.pdf", "renamed.pdf",
                                            "notes.xyz")}
    out["empty.pdf"].write_bytes(b"")
    good = make_report_pdf(folder / "_good.pdf")
    data = good.read_bytes()
    out["truncated.pdf"].write_bytes(data[: int(len(data) * 0.4)])
    doc = pymupdf.open(good)
    doc.save(out["encrypted.pdf"], encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")
    doc.close()
    good.unlink()
    out["renamed.pdf"].write_text("This is just a text file.\nIt is not a PDF at all.\n", encoding="utf-8")
    out["notes.xyz"].write_text("unsupported", encoding="utf-8")
    return out


def make_chart_table_pdf(path: str | Path) -> Path:
    """Three pages with uncaptioned tables: 1 a ruled grid table under a paragraph; 2 a whitespace (unruled)
    financial table whose columns are separated only by wide gaps; 3 a two-column label/amount budget table."""
    path = Path(path)
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_textbox(pymupdf.Rect(72, 80, 523, 130), INTRO_PARAGRAPHS[0], fontsize=11, fontname="helv")
    _ruled_table(page, TABLE_GRID, 120, 160, 110, 24)
    page = doc.new_page(width=595, height=842)
    page.insert_textbox(pymupdf.Rect(72, 80, 523, 130), INTRO_PARAGRAPHS[1], fontsize=11, fontname="helv")
    for r, row in enumerate([["", "2022", "2023"], ["Net sales", "82,959", "81,434"], ["Cost of sales", "47,074",
                             "46,179"], ["Gross margin", "35,885", "35,255"]]):
        for c, text in enumerate(row):
            page.insert_text((90 + c * 150, 170 + r * 18), text, fontsize=10, fontname="helv")
    page = doc.new_page(width=595, height=842)
    page.insert_textbox(pymupdf.Rect(72, 80, 523, 130), INTRO_PARAGRAPHS[1], fontsize=11, fontname="helv")
    for r, (label, amount) in enumerate([("Program", "Budget"), ("Contact Center Services", "$8.6M"),
                                         ("Printed Publications", "$3.9M"), ("Web Management", "$6.1M"),
                                         ("Total", "$18.6M")]):
        page.insert_text((90, 170 + r * 18), label, fontsize=10, fontname="helv")
        page.insert_text((400, 170 + r * 18), amount, fontsize=10, fontname="helv")
    doc.save(path)
    doc.close()
    return path


def make_two_column_pdf(path: str | Path) -> Path:
    """One page: a large title across the page, then two columns of two paragraphs each, and a page number."""
    path = Path(path)
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 90), "A Two Column Study", fontsize=20, fontname="hebo")
    words = " ".join(["the measured values agree with the model"] * 6)
    for col, x0 in (("Left", 56), ("Right", 312)):
        for i, name in enumerate(("one", "two")):
            rect = pymupdf.Rect(x0, 130 + i * 200, x0 + 228, 300 + i * 200)
            page.insert_textbox(rect, f"{col} {name}: {words}.", fontsize=10, fontname="helv")
    page.insert_text((292, 820), "7", fontsize=9, fontname="helv")
    doc.save(path)
    doc.close()
    return path


def make_long_table_pdf(path: str | Path, rows: int = 80) -> Path:
    """A ruled three-column table (header "Item | 2022 | 2021", captioned "Table 3. ...") that runs over two
    pages without repeating its header, with a page number in each footer."""
    path = Path(path)
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 40), "Table 3. Units shipped by item", fontsize=11)
    y = 60.0
    grid = [("Item", "2022", "2021")] + [(f"Row {i}", f"{i * 10:,}", f"{i * 9:,}") for i in range(1, rows)]
    for number, row in enumerate(grid):
        if y > 780:
            page.insert_text((300, 820), str(doc.page_count), fontsize=8)
            page = doc.new_page()
            y = 60.0
        for x, text in zip((72, 250, 400), row):
            page.insert_text((x, y), text, fontsize=10)
        page.draw_line((70, y + 3), (480, y + 3))
        y += 16
    page.insert_text((300, 820), str(doc.page_count), fontsize=8)
    doc.save(path)
    return path


def make_logo_pdf(path: str | Path, pages: int = 4) -> Path:
    """`pages` pages that each draw the same logo image (one xref) in the corner and the same banner image
    mid-page, with a different photo on page 2 only."""
    path = Path(path)
    doc = pymupdf.open()
    logo, banner = _png(120, 60), _png(400, 60)
    xrefs: dict[str, int] = {}
    for n in range(pages):
        page = doc.new_page()
        for name, data, rect in (("logo", logo, pymupdf.Rect(480, 30, 560, 70)),
                                 ("banner", banner, pymupdf.Rect(72, 300, 472, 360))):
            if name in xrefs:
                page.insert_image(rect, xref=xrefs[name])
            else:
                xrefs[name] = page.insert_image(rect, stream=data)
        page.insert_text((72, 120), f"Body text of page {n + 1} about quarterly results and outlook.", fontsize=11)
        if n == 1:
            page.insert_image(pymupdf.Rect(72, 420, 372, 620), stream=_png(300, 200))
            page.insert_text((72, 640), "Figure 1. The only real picture", fontsize=10)
    doc.save(path)
    return path
