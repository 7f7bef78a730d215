import pytest
from PIL import Image

from chat.attachments import validate_images


def test_images_pass_and_other_files_are_refused(tmp_path):
    good = tmp_path / "chart.png"
    Image.new("RGB", (20, 10), (255, 0, 0)).save(good)
    notes = tmp_path / "notes.png"
    notes.write_text("not really a png")
    assert validate_images([str(good)]) == [str(good)]
    with pytest.raises(ValueError, match="notes.png: not an image"):
        validate_images([str(good), str(notes)])
    with pytest.raises(ValueError, match="missing.png: attached image not found"):
        validate_images([str(tmp_path / "missing.png")])
