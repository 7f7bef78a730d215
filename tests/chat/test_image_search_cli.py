"""`docrag ingest` / `docrag search --image` with a CLIP model given on the command line (the tiny random-weight
OpenCLIP model of the retrieval fixtures, loaded through the same options a user passes for real weights)."""
import json

from chat import cli
from tests.pdf_builders import make_report_pdf
from tests.retrieval.clip_fixtures import tiny_clip  # noqa: F401


def test_search_by_image_finds_the_figure_crop(tmp_path, tiny_clip, capsys):  # noqa: F811
    folder = tmp_path / "docs"
    folder.mkdir()
    make_report_pdf(folder / "report.pdf")
    store = tmp_path / "store"
    clip = ["--clip-model", str(tiny_clip.config_path), "--clip-pretrained", str(tiny_clip.checkpoint_path)]
    assert cli.main(["ingest", str(folder), "--store", str(store), "--json", *clip]) == 0
    capsys.readouterr()
    figure = next(e for e in _parsed(store, folder, capsys) if e["kind"] == "figure" and e["page"] == 2)
    assert cli.main(["search", "--store", str(store), "--json", "--k", "3", "--image", figure["image"], *clip]) == 0
    result = json.loads(capsys.readouterr().out)
    top = result["hits"][0]
    assert (top["kind"], top["page"], top["source"]) == ("figure", 2, "report.pdf")
    assert top["routes"] == ["image"]

    # Searches load CLIP on their own once the store holds images; a non-image query file is refused.
    notes = tmp_path / "notes.png"
    notes.write_text("not an image")
    assert cli.main(["search", "--store", str(store), "--json", "--image", str(notes), *clip]) == 1
    assert "notes.png: not an image" in capsys.readouterr().err


def _parsed(store, folder, capsys):
    assert cli.main(["parse", str(folder / "report.pdf"), "--json", "--store", str(store)]) == 0
    return json.loads(capsys.readouterr().out)["elements"]
