"""Build small DOCX, PPTX, XLSX, HTML and EML files in code, plus broken ones, for the unstructured parser tests.

Each builder writes one file and returns its path. The phrases in them are unusual on purpose so that a search
test can find exactly one document by them.
"""
from __future__ import annotations

import io
from email.message import EmailMessage
from pathlib import Path

from PIL import Image, ImageDraw

DOCX_TABLE_PHRASE = "Quillfeather turbine"
PPTX_PHRASE = "Marrowgate reservoir"
HTML_PHRASE = "Osterbrook ferry"
XLSX_PHRASE = "Tindlewick"
EML_PHRASE = "Harrowmere depot"


def png_bytes(width: int = 160, height: int = 120, color: str = "steelblue") -> bytes:
    """A small PNG picture (a coloured box with a bar) for embedding in office files."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, width - 10, height - 10), outline="black", width=3)
    draw.rectangle((30, height // 2, width // 2, height - 20), fill=color)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def make_docx(path: Path) -> Path:
    """An English DOCX: title, two heading levels, paragraphs, a bulleted list, a table with a merged header
    cell, and an inline picture."""
    import docx
    from docx.shared import Inches

    document = docx.Document()
    document.add_heading("Water Works Annual Plan", level=1)
    document.add_paragraph("The pump station at Lakeside was rebuilt in 2019 and now serves twelve thousand "
                           "homes across the valley.")
    document.add_heading("Budget", level=2)
    document.add_paragraph("Spending is grouped by asset class in the table below.")
    document.add_paragraph("Replace the intake screens", style="List Bullet")
    document.add_paragraph("Reline the north main", style="List Bullet")
    table = document.add_table(rows=4, cols=3)
    merged = table.cell(0, 1).merge(table.cell(0, 2))
    table.cell(0, 0).text = "Asset"
    merged.text = "Cost (kEUR)"
    for row, values in enumerate([("", "2023", "2024"), (DOCX_TABLE_PHRASE, "4,812", "5,020"),
                                  ("Filter beds", "1,150", "990")], start=1):
        for col, value in enumerate(values):
            table.cell(row, col).text = value
    document.add_heading("Maintenance", level=2)
    document.add_paragraph("Figure 1. The rebuilt pump hall.")
    document.add_picture(io.BytesIO(png_bytes()), width=Inches(2))
    document.add_paragraph("Inspections happen every spring before the irrigation season starts.")
    document.save(str(path))
    return path


def make_korean_docx(path: Path) -> Path:
    """A Korean DOCX: heading, paragraph and a table."""
    import docx

    document = docx.Document()
    document.add_heading("감염병 관리 계획", level=1)
    document.add_paragraph("이 문서는 지역 보건소의 감염병 대응 절차를 설명합니다.")
    document.add_heading("분류 기준", level=2)
    table = document.add_table(rows=3, cols=2)
    for row, values in enumerate([("등급", "설명"), ("제1급", "즉시 신고"), ("제2급", "24시간 이내 신고")]):
        for col, value in enumerate(values):
            table.cell(row, col).text = value
    document.add_paragraph("신고는 보건소 담당자에게 전화로 합니다.")
    document.save(str(path))
    return path


def make_pptx(path: Path) -> Path:
    """A three-slide deck: a title slide, a bullet slide with a table, a slide with a picture and notes."""
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    first = deck.slides.add_slide(deck.slide_layouts[0])
    first.shapes.title.text = "Reservoir Program Review"
    first.placeholders[1].text = "Board meeting, March"

    second = deck.slides.add_slide(deck.slide_layouts[1])
    second.shapes.title.text = "Storage capacity"
    body = second.placeholders[1].text_frame
    body.text = f"The {PPTX_PHRASE} holds four million cubic metres."
    item = body.add_paragraph()
    item.text = "Levels were checked weekly during the drought."
    item.level = 1
    shape = second.shapes.add_table(3, 2, Inches(1), Inches(4), Inches(6), Inches(1.5))
    rows = [("Site", "Capacity"), ("North basin", "2.5 Mm3"), ("South basin", "1.5 Mm3")]
    for row, values in enumerate(rows):
        for col, value in enumerate(values):
            shape.table.cell(row, col).text = value

    third = deck.slides.add_slide(deck.slide_layouts[5])
    third.shapes.title.text = "Site photo"
    third.shapes.add_picture(io.BytesIO(png_bytes(color="seagreen")), Inches(2), Inches(2), width=Inches(3))
    third.notes_slide.notes_text_frame.text = "Photo taken at the spillway in June."
    deck.save(str(path))
    return path


def make_xlsx(path: Path) -> Path:
    """A workbook with two sheets of small tables."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Staff"
    for row in [("Name", "Team", "Start"), (XLSX_PHRASE, "Hydrology", "2021"), ("Okafor", "Pumps", "2019")]:
        sheet.append(row)
    second = book.create_sheet("Budget")
    for row in [("Line", "Amount"), ("Chemicals", 1200), ("Energy", 8400)]:
        second.append(row)
    book.save(str(path))
    return path


HTML_DOCUMENT = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Ferry timetable</title></head>
<body>
<h1>Harbour Services</h1>
<p>The {HTML_PHRASE} leaves the east pier every forty minutes during the summer season.</p>
<h2>Fares</h2>
<table>
  <tr><th rowspan="2">Ticket</th><th colspan="2">Price</th></tr>
  <tr><th>Adult</th><th>Child</th></tr>
  <tr><td>Single</td><td>4.50</td><td>2.20</td></tr>
  <tr><td>Return</td><td>8.00</td><td>4.00</td></tr>
</table>
<ul><li>Bicycles travel free.</li><li>Dogs must be on a lead.</li></ul>
<h2>Accessibility</h2>
<p>Both vessels have step-free boarding ramps and an accessible toilet.</p>
</body></html>
"""


def make_html(path: Path) -> Path:
    """An HTML page with headings, a paragraph, a table with row and column spans, and a list."""
    path.write_text(HTML_DOCUMENT, encoding="utf-8")
    return path


def make_eml(path: Path) -> Path:
    """A MIME e-mail with a subject, plain and HTML bodies, and a PDF-named attachment."""
    message = EmailMessage()
    message["Subject"] = "Depot relocation schedule"
    message["From"] = "Planning Office <planning@example.org>"
    message["To"] = "crews@example.org"
    message["Date"] = "Tue, 04 Mar 2025 09:30:00 +0000"
    message.set_content(f"Hello crews,\n\nThe {EML_PHRASE} moves to the west yard on 14 April.\n"
                        "Please clear the lockers before Friday.\n\nRegards,\nPlanning\n")
    message.add_alternative(f"<html><body><p>Hello crews,</p><p>The {EML_PHRASE} moves to the west yard on 14 "
                            "April.</p><p>Please clear the lockers before Friday.</p><p>Regards,<br>Planning</p>"
                            "</body></html>", subtype="html")
    message.add_attachment(b"%PDF-1.4 not really a pdf", maintype="application", subtype="pdf",
                           filename="floor-plan.pdf")
    path.write_bytes(bytes(message))
    return path


def make_encrypted_docx(path: Path, password: str = "secret") -> Path:
    """A password-protected DOCX (the OOXML encrypted-package format Word writes)."""
    import msoffcrypto.format.ooxml

    plain = path.with_name(path.stem + ".plain.docx")
    make_korean_docx(plain)
    with open(plain, "rb") as source, open(path, "wb") as target:
        msoffcrypto.format.ooxml.OOXMLFile(source).encrypt(password, target)
    plain.unlink()
    return path


def make_bad_office_files(folder: Path) -> dict[str, Path]:
    """Broken inputs by name: zip garbage, an empty file, a text file renamed .docx, an encrypted DOCX, an empty
    (but valid) DOCX, an HTML page with no text."""
    import docx

    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "garbage.docx": folder / "garbage.docx",
        "empty.pptx": folder / "empty.pptx",
        "renamed.docx": folder / "renamed.docx",
        "locked.docx": folder / "locked.docx",
        "blank.docx": folder / "blank.docx",
        "blank.html": folder / "blank.html",
    }
    files["garbage.docx"].write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    files["empty.pptx"].write_bytes(b"")
    files["renamed.docx"].write_text("This is just plain text saved with the wrong extension.\n", encoding="utf-8")
    make_encrypted_docx(files["locked.docx"])
    docx.Document().save(str(files["blank.docx"]))
    files["blank.html"].write_text("<html><body><div>   </div></body></html>", encoding="utf-8")
    return files


def make_logo_pptx(path: Path, slides: int = 3) -> Path:
    """A deck with the same small logo on every slide and one real picture on the last (decorative-image test)."""
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    logo = png_bytes(120, 90, color="crimson")
    for number in range(1, slides + 1):
        slide = deck.slides.add_slide(deck.slide_layouts[5])
        slide.shapes.title.text = f"Quarter {number} results"
        slide.shapes.add_picture(io.BytesIO(logo), Inches(8), Inches(0.2), width=Inches(1))
    deck.slides[slides - 1].shapes.add_picture(io.BytesIO(png_bytes(400, 300, color="gold")), Inches(2),
                                               Inches(2), width=Inches(4))
    deck.save(str(path))
    return path


def make_long_docx(path: Path, paragraphs: int = 12) -> Path:
    """A DOCX with one heading over many long paragraphs (chunking test)."""
    import docx

    document = docx.Document()
    document.add_heading("Operations Log", level=1)
    for i in range(paragraphs):
        document.add_paragraph(f"Entry {i}: the crew inspected valve {i} on the east main, recorded the pressure "
                               "readings, replaced worn gaskets where needed and logged the results for the "
                               "quarterly maintenance report that the utility files with the regulator.")
    document.save(str(path))
    return path


def make_captioned_tables_docx(path: Path) -> Path:
    """Two tables, each with a "Table N." caption paragraph above it and nothing between the first table and the
    second caption (caption-linking test)."""
    import docx

    document = docx.Document()
    for number, (head, value) in enumerate([("Zone", "North"), ("Meter", "M-17")], start=1):
        document.add_paragraph(f"Table {number}. {head} summary")
        table = document.add_table(rows=2, cols=1)
        table.cell(0, 0).text, table.cell(1, 0).text = head, value
    document.add_paragraph("Figure 2. Meter location")
    document.add_picture(io.BytesIO(png_bytes(200, 150)))
    document.save(str(path))
    return path
