from pathlib import Path

import pytest

pymupdf = pytest.importorskip("pymupdf")

from docparse import ElementKind, ParseOptions, parse_document  # noqa: E402
from docparse.table_grid import dense_grid  # noqa: E402
from docparse.table_text_grid import (split_at_leaders, strip_leaders, text_grid,  # noqa: E402
                                      under_split_rows)


def _typewriter(page, x: float, y: float, ncols: int = 8, rows: int = 10, leaders: bool = True,
                dashes: bool = True, dot_words: bool = False, font: str = "cour", size: float = 9) -> list[list[str]]:
    """A monospaced table set with spaces: label column with dot leaders, right-aligned numbers, dashed rules.
    Returns the expected grid and the bottom y."""
    width = 14 + ncols * 7
    lines = []
    if dashes:
        lines.append("-" * width)
    lines.append("Level".ljust(14) + "".join(f"n{c + 1:02d}".rjust(7) for c in range(ncols)))
    if dashes:
        lines.append("-" * width)
    grid = [["Level"] + [f"n{c + 1:02d}" for c in range(ncols)]]
    for r in range(rows):
        label = f"0.{99 - 2 * r}"
        values = [str(800 + 80 * c + 10 * r) for c in range(ncols)]
        dots = (" ." * 4) if dot_words else " " + "." * (12 - len(label))
        lines.append(((label + dots) if leaders else label).ljust(14) + "".join(v.rjust(7) for v in values))
        grid.append([label] + values)
    if dashes:
        lines.append("-" * width)
    for line in lines:
        page.insert_text((x, y), line, fontsize=size, fontname=font)
        y += 12
    return grid


def _proportional(page, x: float, y: float) -> list[list[str]]:
    """Helvetica, a label column and right-aligned amounts, with a header cell spanning two columns."""
    rights = [250, 330, 410, 490]
    grid = [["", "Revenue", "", "Cost", ""], ["Segment", "2022", "2023", "2022", "2023"]]
    grid += [[name] + [f"{(k + 2) * 1000 + 37 * c:,}" for c in range(4)]
             for k, name in enumerate(["North America", "Europe", "Asia Pacific", "Latin America", "Other"])]
    page.insert_text((rights[0] - 20, y), "Revenue", fontsize=10)
    page.insert_text((rights[2] - 20, y), "Cost", fontsize=10)
    y += 14
    for row in grid[1:]:
        page.insert_text((x, y), row[0], fontsize=10)
        for right, text in zip(rights, row[1:]):
            page.insert_text((right - pymupdf.get_text_length(text, fontsize=10), y), text, fontsize=10)
        y += 14
    return grid


def _words(build, **kwargs):
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    grid = build(page, 60, 100, **kwargs)
    return grid, page.get_text("words")


def test_leaders_are_separators_not_content():
    assert strip_leaders("0.99 ..................") == "0.99"
    assert strip_leaders("Robbery . . . . . . . 102.1") == "Robbery 102.1"
    assert strip_leaders("etc...") == "etc..." and strip_leaders("3.5") == "3.5"
    assert split_at_leaders(["Robbery . . . . . 102.1", "", "25.5"]) == ["Robbery", "102.1", "25.5"]
    assert split_at_leaders(["Robbery . . . . . 102.1", "7", "25.5"])[0] == "Robbery . . . . . 102.1"


@pytest.mark.parametrize("kwargs", [{}, {"leaders": False}, {"dashes": False}, {"dot_words": True},
                                    {"ncols": 3, "rows": 4}, {"size": 7}])
def test_typewriter_tables_in_several_shapes(kwargs):
    grid, words = _words(_typewriter, **kwargs)
    assert text_grid(words) == grid


def test_right_aligned_amounts_with_a_spanning_header():
    grid, words = _words(_proportional)
    assert text_grid(words) == grid


def test_too_few_rows_give_no_grid():
    _, words = _words(_typewriter, rows=1, dashes=False)
    assert text_grid(words) == []


def test_under_split_counts_model_cells_holding_several_separate_numbers():
    grid, words = _words(_typewriter)
    lines = sorted({(round(w[1], 1), round(w[3], 1)) for w in words})
    one_column = [[(50.0, y0, 560.0, y1)] for y0, y1 in lines]
    assert under_split_rows(one_column, words) >= 10
    # the right columns: every cell holds one number
    xs = [55.0, 140.0] + [140.0 + 37.8 * (c + 1) for c in range(8)]
    right = [[(xs[c], y0, xs[c + 1], y1) for c in range(9)] for y0, y1 in lines]
    assert under_split_rows(right, words) == 0


def test_dense_grid_reads_merged_columns_again_from_the_text():
    grid, words = _words(_typewriter)
    rows = sorted({(round(w[1], 1), round(w[3], 1)) for w in words if w[4][0].isdigit()})
    words = [w for w in words if rows[0][0] - 1 <= w[1] <= rows[-1][1]]  # the words inside the table's box
    table = {"extract": [[" ".join(w[4] for w in words if abs(w[1] - y0) < 1)] for y0, _ in rows],
             "cells": [[(50.0, y0, 560.0, y1)] for y0, y1 in rows]}
    assert dense_grid(table, words) == grid[1:]


def test_typewriter_table_on_a_page_gets_its_columns(tmp_path):
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    page.insert_text((60, 80), "3.2 Results of the survey", fontsize=12, fontname="hebo")
    page.insert_text((60, 100), "The values below give the sample sizes needed for each confidence level.",
                     fontsize=10)
    page.insert_text((60, 130), "Table 3. Sample sizes by confidence level", fontsize=9, fontname="cour")
    grid = _typewriter(page, 60, 146)
    path = tmp_path / "typewriter.pdf"
    doc.save(path)
    tables = [e for e in parse_document(Path(path), ParseOptions()).elements if e.kind is ElementKind.TABLE]
    assert len(tables) == 1
    assert [list(r) for r in tables[0].cells] == grid
