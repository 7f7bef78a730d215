"""The web app in a real browser: Playwright driving the system's Chromium (Debian's `chromium` package; no
browser is downloaded) against a live server on 127.0.0.1.

The main test is the path a person takes: upload the Apple 10-Q, wait for the ingest, ask a question, click the
first citation, and see the cited box highlighted on the page, where it must lie within 2 px of the cited bbox
scaled to the displayed image. Screenshots go to $DOCRAG_TEST_ARTIFACTS (default tests/artifacts/).
"""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from tests.serve.live_server import live_server

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
APPLE = REPO / "data" / "apple-10q-2022q3.pdf"
QUESTION = "What were Apple's total net sales for the three months ended June 25, 2022?"
INGEST_TIMEOUT_MS = 300_000  # the real parser and embedder on a shared CI core
TOLERANCE_PX = 2.0


def _chromium() -> str | None:
    configured = os.environ.get("DOCRAG_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = _chromium()
if CHROMIUM is None:
    pytest.skip("no Chromium here: the browser tests drive the system's chromium (Debian/Ubuntu: sudo apt-get "
                "install chromium, which scripts/system-deps.sh does), or set DOCRAG_CHROMIUM to its path",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the test extra installs playwright")


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("DOCRAG_TEST_ARTIFACTS") or REPO / "tests" / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        # --no-sandbox: CI containers run as root, where Chromium's sandbox refuses to start.
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server(tmp_path_factory.mktemp("browser-store")) as url:
        yield url


def open_app(browser, url: str, locale: str = "en-US"):
    context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(url + "/")
    page.wait_for_selector("body[data-ready=true]")
    return page, errors


def upload(page, name: str, data: bytes, mime: str = "application/pdf") -> None:
    page.set_input_files("#library input[type=file]", files=[{"name": name, "mimeType": mime, "buffer": data}])


def sse_answer(body: str) -> dict:
    """The `answer` event's object in a text/event-stream body."""
    for block in body.replace("\r\n", "\n").split("\n\n"):
        lines = block.split("\n")
        if "event: answer" in lines:
            return json.loads("\n".join(line[len("data: "):] for line in lines if line.startswith("data: ")))
    raise AssertionError(f"no answer event in the stream: {body[:500]!r}")


def highlighted_offsets(page, bbox, page_width: float, page_height: float) -> tuple[list[float], list[float]]:
    """(shown, expected): the highlight's left/top/right/bottom and the bbox scaled to the displayed image, both
    in CSS pixels from the image's top-left."""
    image = page.locator("#viewer .page-image").bounding_box()
    box = page.locator("#viewer .hl-box").bounding_box()
    sx, sy = image["width"] / page_width, image["height"] / page_height
    shown = [box["x"] - image["x"], box["y"] - image["y"],
             box["x"] + box["width"] - image["x"], box["y"] + box["height"] - image["y"]]
    expected = [bbox[0] * sx, bbox[1] * sy, bbox[2] * sx, bbox[3] * sy]
    return shown, expected


def test_upload_ask_and_see_the_cited_box_highlighted(browser, server):
    import httpx

    page, errors = open_app(browser, server)
    upload(page, APPLE.name, APPLE.read_bytes())
    page.locator(".doc-list .doc", has_text=APPLE.name).wait_for(timeout=INGEST_TIMEOUT_MS)
    assert "28" in page.locator(".doc-list .doc", has_text=APPLE.name).inner_text()  # pages

    page.fill("#chat-pane textarea", QUESTION)
    with page.expect_response(lambda r: r.url.endswith("/api/ask"), timeout=120_000) as asked:
        page.press("#chat-pane textarea", "Enter")
    chip = page.locator(".message.assistant .answer-text .cite-chip").first
    chip.wait_for(timeout=120_000)
    answer = sse_answer(asked.value.text())
    assert "82,959" in answer["answer"] and answer["mode"] == "extractive"
    assert "82,959" in page.locator(".message.assistant .answer-text").inner_text()
    cited = {c["key"]: c for c in answer["citations"]}[chip.get_attribute("data-key")]

    chip.click()
    page.wait_for_selector(f"#viewer[data-loaded='{cited['page']}'] .hl-box")
    info = httpx.get(f"{server}/api/pages/{cited['doc_id']}/{cited['page']}/info").json()
    assert page.locator("#viewer .page-number").inner_text() == f"Page {cited['page']} / 28"

    # The layout may settle after the image shows (a scrollbar appearing narrows it); the box must follow.
    deadline = time.monotonic() + 5
    while True:
        shown, expected = highlighted_offsets(page, cited["bbox"], info["width"], info["height"])
        if all(abs(a - b) <= TOLERANCE_PX for a, b in zip(shown, expected)) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    page.screenshot(path=str(artifacts_dir() / "page-viewer-citation.png"))
    assert all(abs(a - b) <= TOLERANCE_PX for a, b in zip(shown, expected)), (shown, expected)
    assert expected[2] - expected[0] > 50  # a real box, not a degenerate one that matches anywhere

    # Zoomed in, the box still covers the same part of the page.
    page.click("#viewer .zoom-in")
    page.wait_for_function("document.querySelector('#viewer .zoom-level').textContent === '125%'")
    time.sleep(0.2)
    shown, expected = highlighted_offsets(page, cited["bbox"], info["width"], info["height"])
    assert all(abs(a - b) <= TOLERANCE_PX for a, b in zip(shown, expected)), (shown, expected)

    # Next page: no highlight there; back: the highlight returns.
    page.click("#viewer .next-page")
    page.wait_for_selector(f"#viewer[data-loaded='{cited['page'] + 1}']")
    assert page.locator("#viewer .hl-box").count() == 0
    page.click("#viewer .prev-page")
    page.wait_for_selector(f"#viewer[data-loaded='{cited['page']}'] .hl-box")

    # A follow-up goes in the same session; "New chat" starts another.
    session = asked.value.request.post_data_json["session"]
    assert session and answer.get("session") == session
    page.fill("#chat-pane textarea", "And for the nine months ended June 25, 2022?")
    with page.expect_request(lambda r: r.url.endswith("/api/ask")) as followed:
        page.press("#chat-pane textarea", "Enter")
    assert followed.value.post_data_json["session"] == session
    page.wait_for_selector(".message.assistant:nth-of-type(4):not([aria-busy])", timeout=120_000)
    page.click("#chat-pane .new-chat")
    assert page.locator(".message").count() == 0
    page.fill("#chat-pane textarea", QUESTION)
    with page.expect_request(lambda r: r.url.endswith("/api/ask")) as fresh:
        page.press("#chat-pane textarea", "Enter")
    assert fresh.value.post_data_json["session"] not in (None, session)
    page.wait_for_selector(".message.assistant:not([aria-busy]) .cite-chip", timeout=120_000)
    assert not errors, errors


def test_korean_browser_gets_korean_ui_and_korean_input(browser, server):
    page, errors = open_app(browser, server, locale="ko-KR")
    assert page.evaluate("document.documentElement.lang") == "ko"
    assert page.locator(".tab[data-pane=chat-pane]").inner_text() == "대화"
    assert page.locator(".tab[data-pane=search-pane]").inner_text() == "검색"
    assert page.locator("#library h2").inner_text() == "문서함"
    assert page.locator("#chat-pane textarea").get_attribute("placeholder") == "문서에 대해 질문하세요…"

    question = "2022년 6월 25일로 끝난 3개월간 애플의 총 순매출은 얼마였나요?"
    box = page.locator("#chat-pane textarea")
    box.click()
    page.keyboard.insert_text(question)  # what an input method commits
    # Enter that ends an IME composition must not send the half-typed question.
    page.evaluate("""document.querySelector('#chat-pane textarea').dispatchEvent(
        new KeyboardEvent('keydown', {key: 'Enter', isComposing: true, bubbles: true}))""")
    assert page.locator(".message.user").count() == 0
    page.keyboard.press("Enter")
    sent = page.locator(".message.user p").first
    sent.wait_for()
    assert sent.inner_text() == question and sent.get_attribute("lang") == "ko"
    page.wait_for_selector(".message.assistant:not([aria-busy])", timeout=120_000)
    assistant = page.locator(".message.assistant").first
    if page.evaluate("window.docrag.library.documents.length") == 0:
        # An empty library: the app says so in Korean, and where documents come from, without asking the server.
        assert "empty-library" in (assistant.get_attribute("class") or "")
        assert assistant.inner_text().startswith("문서함이 비어 있습니다")
    elif "failure" in (assistant.get_attribute("class") or ""):  # the reason, in Korean
        assert assistant.locator(".error").inner_text().startswith("답변 실패: ")
    page.screenshot(path=str(artifacts_dir() / "korean-ui.png"))
    assert not errors, errors


def drop_file(page, name: str, text: str, mime: str = "application/pdf") -> None:
    """Drop a file on the library's drop zone as a person dragging it from their desktop would."""
    page.evaluate("""([name, text, mime]) => {
        const files = new DataTransfer();
        files.items.add(new File([text], name, {type: mime}));
        const zone = document.querySelector('#library .dropzone');
        zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: files, bubbles: true, cancelable: true}));
        zone.dispatchEvent(new DragEvent('drop', {dataTransfer: files, bubbles: true, cancelable: true}));
    }""", [name, text, mime])


def test_failed_uploads_show_their_reason(browser, server):
    page, errors = open_app(browser, server)
    drop_file(page, "broken.pdf", "%PDF-1.4\nthis is not really a PDF\n")
    notice = page.locator(".notices .notice", has_text="broken.pdf")
    notice.wait_for(timeout=INGEST_TIMEOUT_MS)
    reason = notice.locator(".notice-reason").inner_text()
    assert reason.strip(), "a failed ingest must say why"
    assert page.locator(".doc-list .doc", has_text="broken.pdf").count() == 0

    upload(page, "tool.exe", b"MZ\x90\x00", mime="application/octet-stream")
    refused = page.locator(".notices .notice", has_text="tool.exe")
    refused.wait_for(timeout=30_000)
    assert ".exe" in refused.locator(".notice-reason").inner_text()  # 415: the type it cannot read

    refused.locator(".dismiss").click()
    assert page.locator(".notices .notice", has_text="tool.exe").count() == 0
    assert not errors, errors


def test_cancel_stops_a_running_ingest_after_the_current_file(browser, server, monkeypatch):
    import threading

    import retrieval.ingest_run as ingest_run  # the live server runs in this process

    real_open, parsing, release = ingest_run.open_document, threading.Event(), threading.Event()

    def blocked(path, options):
        parsing.set()
        release.wait(60)
        return real_open(path, options)

    monkeypatch.setattr(ingest_run, "open_document", blocked)
    page, errors = open_app(browser, server)
    page.set_input_files("#library input[type=file]", files=[
        {"name": f"cancel-{n}.md", "mimeType": "text/markdown", "buffer": f"# Depot {n}\n\n{n} crates.\n".encode()}
        for n in (1, 2)])
    try:
        assert parsing.wait(60)
        row = page.locator(".jobs .job", has_text="cancel-1.md")
        row.locator(".job-cancel").click()
        row.locator(".job-label", has_text="Cancelling").wait_for(timeout=10_000)
    finally:
        release.set()
    row.locator(".job-label", has_text="Cancelled: 1 of 2").wait_for(timeout=INGEST_TIMEOUT_MS)
    assert row.locator(".job-cancel").is_hidden()
    page.locator(".doc-list .doc", has_text="cancel-1.md").wait_for()
    assert page.locator(".doc-list .doc", has_text="cancel-2.md").count() == 0
    assert not errors, errors


def test_search_jumps_to_the_page_and_remove_takes_the_document_out(browser, server, tmp_path):
    import httpx

    from tests.pdf_builders import make_report_pdf

    report = make_report_pdf(tmp_path / "report.pdf")
    page, errors = open_app(browser, server)
    upload(page, report.name, report.read_bytes())
    page.locator(".doc-list .doc", has_text="report.pdf").wait_for(timeout=INGEST_TIMEOUT_MS)

    page.click(".tab[data-pane=search-pane]")
    page.select_option("#search-pane select[name=kind]", "table")
    page.select_option("#search-pane select[name=source]", "report.pdf")
    page.fill("#search-pane input[name=query]", "revenue by region")
    with page.expect_response(lambda r: r.url.endswith("/api/search")) as searched:
        page.press("#search-pane input[name=query]", "Enter")
    hits = searched.value.json()["hits"]
    assert hits and all(h["kind"] == "table" and h["source"] == "report.pdf" for h in hits)
    first = page.locator("#search-pane .hit").first
    first.wait_for()
    assert "report.pdf" in first.inner_text() and "Revenue" in first.locator(".hit-text").inner_text()
    page.wait_for_function("(() => { const i = document.querySelector('#search-pane .hit img');"
                           " return i && i.complete && i.naturalWidth > 0; })()")  # the thumbnail (crop)

    first.locator(".jump").click()
    hit = hits[0]
    page.wait_for_selector(f"#viewer[data-loaded='{hit['page']}'] .hl-box")
    info = httpx.get(f"{server}/api/pages/{hit['doc_id']}/{hit['page']}/info").json()
    shown, expected = highlighted_offsets(page, hit["bbox"], info["width"], info["height"])
    assert all(abs(a - b) <= TOLERANCE_PX for a, b in zip(shown, expected)), (shown, expected)

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".doc-list .doc", has_text="report.pdf").locator(".remove").click()
    page.locator(".doc-list .doc", has_text="report.pdf").wait_for(state="detached")
    listed = httpx.get(f"{server}/api/documents").json()["documents"]
    assert "report.pdf" not in [d["source"] for d in listed]
    assert not errors, errors


def _png_bytes() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_an_attached_image_goes_with_the_question_and_to_image_search(browser, server):
    page, errors = open_app(browser, server)
    png = _png_bytes()
    page.set_input_files("#chat-pane input[type=file]",
                         files=[{"name": "chart.png", "mimeType": "image/png", "buffer": png}])
    page.wait_for_selector("#chat-pane .attachments .attachment img")
    page.fill("#chat-pane textarea", "What does this chart show?")
    with page.expect_request(lambda r: r.url.endswith("/api/ask")) as asked:
        page.press("#chat-pane textarea", "Enter")
    body = asked.value.post_data_json
    assert body["stream"] is True and body["question"] == "What does this chart show?"
    assert len(body["images"]) == 1 and body["images"][0].startswith("data:image/png;base64,")
    assert page.locator("#chat-pane .attachments .attachment").count() == 0  # sent with this question only
    page.wait_for_selector(".message.user img.attached")
    page.wait_for_selector(".message.assistant:not([aria-busy])", timeout=120_000)

    page.click(".tab[data-pane=search-pane]")
    with page.expect_response(lambda r: r.url.endswith("/api/search/image")) as searched:
        page.set_input_files("#search-pane .image-search input[type=file]",
                             files=[{"name": "chart.png", "mimeType": "image/png", "buffer": png}])
    status = page.locator("#search-pane .search-status")
    page.wait_for_function("!document.querySelector('#search-pane').hasAttribute('aria-busy')")
    if searched.value.ok:
        assert status.inner_text() == "Nothing found." or status.inner_text().endswith(" results")
    else:  # this library was built without image search: the server's reason is shown
        assert status.inner_text().startswith("Search failed: ") and len(status.inner_text()) > 20
    assert not errors, errors


def test_a_server_with_a_token_asks_for_it_once_and_keeps_it(browser, tmp_path):
    with live_server(tmp_path / "store", token="s3cret-token", warm_up=False) as url:
        context = browser.new_context(locale="en-US")
        page = context.new_page()
        prompts: list[str] = []

        def answer(dialog):
            prompts.append(dialog.message)
            dialog.accept("s3cret-token")

        page.on("dialog", answer)
        page.goto(url + "/")
        page.wait_for_selector("body[data-ready=true]")
        assert page.locator(".server-status").inner_text() == "0 documents"
        assert len(prompts) == 1 and "token" in prompts[0]
        page.reload()
        page.wait_for_selector("body[data-ready=true]")
        assert len(prompts) == 1  # kept in localStorage
        context.close()
