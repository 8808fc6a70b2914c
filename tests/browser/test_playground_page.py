"""The playground in a real browser: Debian's chromium, headless, driven by Playwright's Python package.

Playwright's own browser download is not used: the tests launch the system's ``chromium`` by path. In CI
(``CI=true``) they must run, so a missing chromium or playwright fails them; elsewhere they skip, saying why.
Every test reads the page through its ``data-testid`` hooks, as a person would see it.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time

import pytest

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def _require(what_is_missing: str | None) -> None:
    if what_is_missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the browser tests must run in CI, but {what_is_missing}")
        pytest.skip(f"no browser tests: {what_is_missing}", allow_module_level=True)


try:
    import uvicorn
    from playwright.sync_api import expect, sync_playwright
except ImportError as exc:  # pragma: no cover - depends on the environment
    _require(f"{exc.name} is not installed (pip install 'glassnet[test]')")
_require(None if CHROMIUM else "Debian's chromium is not installed (apt-get install chromium)")

from glassnet.playground.server import WS_MAX_SIZE, create_app  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def url():
    """A playground server on a free port of 127.0.0.1, in a thread of this process."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), ws="auto", ws_max_size=WS_MAX_SIZE, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, url):
    """A fresh tab on the playground, with its console errors and every request it makes recorded."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
    tab = context.new_page()
    tab.errors, tab.requests = [], []
    tab.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    tab.on("request", lambda r: tab.requests.append(r.url))
    tab.on("websocket", lambda ws: tab.requests.append(ws.url))
    tab.open = lambda hash="": (tab.goto(f"{url}/{hash}"), tab.get_by_test_id("neuron-0-0").wait_for())
    yield tab
    context.close()


def wait_until(condition, timeout: float, what: str) -> None:
    """Poll ``condition`` from here (the page's Content-Security-Policy forbids evaluating strings in it)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"after {timeout} s, still not: {what}")
        time.sleep(0.1)


def number(page, testid: str) -> float:
    text = page.get_by_test_id(testid).text_content()
    return float(text) if re.fullmatch(r"[\d.]+", text) else float("nan")


def epoch(page) -> int:
    return int(page.get_by_test_id("epoch").text_content())


def neurons(page) -> int:
    return page.locator("[data-testid^=neuron-]").count()


def test_the_page_loads_without_errors_and_asks_nothing_of_other_machines(page, url):
    page.open()
    page.get_by_test_id("step").click()
    expect(page.get_by_test_id("epoch")).to_have_text("1")
    assert page.errors == []
    assert page.requests and all(r.startswith((url, url.replace("http", "ws", 1))) for r in page.requests), \
        page.requests


def test_play_trains_and_pause_stops(page):
    page.open()
    before = page.get_by_test_id("train-loss").text_content()
    page.get_by_test_id("play").click()
    wait_until(lambda: epoch(page) > 20, 10, "epoch > 20")
    page.get_by_test_id("pause").click()
    expect(page.get_by_test_id("play")).to_be_visible()
    stopped = epoch(page)
    time.sleep(0.3)
    assert epoch(page) == stopped > 20
    assert page.get_by_test_id("train-loss").text_content() != before
    assert re.fullmatch(r"\d+\.\d{3}", page.get_by_test_id("test-loss").text_content())


def test_step_advances_the_epoch_by_exactly_one(page):
    page.open()
    for expected in ("1", "2", "3"):
        page.get_by_test_id("step").click()
        expect(page.get_by_test_id("epoch")).to_have_text(expected)
    page.get_by_test_id("reset").click()
    expect(page.get_by_test_id("epoch")).to_have_text("0")


def test_switching_data_sets(page):
    page.open()
    page.get_by_test_id("dataset-spiral").click()
    expect(page.get_by_test_id("dataset-spiral")).to_have_class(re.compile("selected"))
    assert "dataset=spiral" in page.evaluate("location.hash")
    page.get_by_test_id("dataset-reg-plane").click()
    expect(page.get_by_test_id("problem")).to_have_value("regression")
    page.get_by_test_id("step").click()
    expect(page.get_by_test_id("epoch")).to_have_text("1")


def test_adding_and_removing_layers_and_neurons_changes_the_heatmaps(page):
    page.open()
    assert neurons(page) == 6                                      # 4 + 2, TensorFlow Playground's start
    page.get_by_test_id("add-neuron-0").click()
    expect(page.get_by_test_id("neuron-0-4")).to_be_visible()
    assert neurons(page) == 7
    page.get_by_test_id("remove-neuron-1").click()
    expect(page.get_by_test_id("neuron-1-1")).to_have_count(0)
    page.get_by_test_id("add-layer").click()
    expect(page.get_by_test_id("neuron-2-1")).to_be_visible()
    assert neurons(page) == 8                                      # 5 + 1 + 2
    page.get_by_test_id("remove-layer").click()
    expect(page.get_by_test_id("neuron-2-0")).to_have_count(0)


def test_a_refused_request_is_explained(page):
    page.open("#hidden=8,8,8,8,8,8")
    expect(page.get_by_test_id("neuron-5-7")).to_be_visible()
    page.get_by_test_id("add-layer").click()
    expect(page.get_by_test_id("error")).to_contain_text("at most 6")
    assert neurons(page) == 48


def test_a_learning_rate_of_ten_shows_its_finding(page):
    page.open()
    page.get_by_test_id("learning-rate").select_option("10")
    expect(page.get_by_test_id("epoch")).to_have_text("0")
    page.get_by_test_id("play").click()
    finding = page.locator("[data-testid=finding-learning_rate_too_high], [data-testid=finding-diverging_loss]")
    expect(finding.first).to_be_visible(timeout=15000)
    assert "learning rate" in page.get_by_test_id("findings").text_content().lower()
    page.get_by_test_id("pause").click()


def test_the_url_reproduces_a_setup_after_reload(page):
    page.open("#dataset=xor&hidden=3&activation=relu&learning_rate=0.1&optimizer=adam&features=x1,x2,x1x2")
    expect(page.get_by_test_id("activation")).to_have_value("relu")
    for _ in range(2):
        expect(page.get_by_test_id("neuron-0-2")).to_be_visible()
        assert neurons(page) == 3
        expect(page.get_by_test_id("dataset-xor")).to_have_class(re.compile("selected"))
        expect(page.get_by_test_id("learning-rate")).to_have_value("0.1")
        expect(page.get_by_test_id("optimizer")).to_have_value("adam")
        expect(page.get_by_test_id("feature-x1x2")).not_to_have_class(re.compile("off"))
        page.reload()
        page.get_by_test_id("neuron-0-0").wait_for()


def test_spiral_with_two_layers_of_eight_tanh_units_and_adam_learns(page):
    page.open("#dataset=spiral&hidden=8,8&activation=tanh&optimizer=adam&learning_rate=0.03")
    page.get_by_test_id("play").click()
    wait_until(lambda: number(page, "test-loss") < 0.3, 90, "test loss < 0.3")
    page.get_by_test_id("pause").click()


def test_an_upload_trains_on_the_uploaded_points(page):
    page.open()
    rows = "\n".join(f"{i % 10},{i // 10},{'a' if i % 10 < 5 else 'b'}" for i in range(100))
    page.get_by_test_id("upload").set_input_files(
        files=[{"name": "mine.csv", "mimeType": "text/csv", "buffer": f"u,v,label\n{rows}".encode()}])
    expect(page.locator("#upload-name")).to_have_text("Training on mine.csv.")
    assert "dataset=upload" in page.evaluate("location.hash")
    for _ in range(30):
        page.get_by_test_id("step").click()
    expect(page.get_by_test_id("epoch")).to_have_text("30")
    assert float(page.get_by_test_id("train-loss").text_content()) < 0.6
    # a link to a run on uploaded data opens on the default data set, and says so
    page.reload()
    expect(page.locator("#notice")).to_contain_text("uploaded data")
    expect(page.get_by_test_id("dataset-circle")).to_have_class(re.compile("selected"))


def test_explain_and_downloads(page):
    page.open()
    page.get_by_test_id("step").click()
    page.get_by_test_id("explain").click()
    expect(page.get_by_test_id("explanation")).to_contain_text("Forward pass")
    with page.expect_download() as download:
        page.get_by_test_id("download-script").click()
    assert download.value.suggested_filename == "playground_run.py"
    with page.expect_download() as download:
        page.get_by_test_id("download-model").click()
    assert download.value.suggested_filename.endswith(".safetensors")


_CLASS_COLOURS = [[245, 147, 34], [8, 119, 189]]  # paint.js's NEG and POS


def _share_of_class_colours(page) -> float:
    """The share of the output picture's pixels painted exactly in one of the two class colours."""
    return page.evaluate("""(colours) => {
        const c = document.getElementById("output-boundary");
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        const near = (i, [r, g, b]) => Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 4;
        let hits = 0;
        for (let i = 0; i < d.length; i += 4) {
            if (colours.some((colour) => near(i, colour))) hits += 1;
        }
        return hits / (d.length / 4);
    }""", _CLASS_COLOURS)


def test_discretize_paints_the_output_as_its_two_classes_and_keeps_the_run(page):
    page.open()
    for expected in ("1", "2"):
        page.get_by_test_id("step").click()
        expect(page.get_by_test_id("epoch")).to_have_text(expected)
    soft = _share_of_class_colours(page)
    page.get_by_test_id("discretize").check()
    wait_until(lambda: "discretize=true" in page.evaluate("location.hash"), 5, "discretize in the link")
    expect(page.get_by_test_id("epoch")).to_have_text("2")     # a view of the run, not a new run
    page.get_by_test_id("step").click()
    expect(page.get_by_test_id("epoch")).to_have_text("3")
    hard = _share_of_class_colours(page)
    assert hard > 0.6 and hard > soft + 0.3, (soft, hard)


def test_every_data_set_button_shows_a_picture_of_its_points(page):
    page.open()
    counts = page.evaluate("""() => [...document.querySelectorAll("#datasets button")].map((b) => {
        const c = b.querySelector("canvas");
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        let coloured = 0;
        for (let i = 0; i < d.length; i += 4) {
            if (Math.abs(d[i] - 232) + Math.abs(d[i + 1] - 234) + Math.abs(d[i + 2] - 235) > 30) coloured += 1;
        }
        return [b.dataset.testid, coloured];
    })""")
    assert len(counts) == 7 and all(n > 40 for _, n in counts), counts


def test_larger_networks_on_request(page):
    page.open()
    page.get_by_test_id("allow-large").check()
    wait_until(lambda: "large=true" in page.evaluate("location.hash"), 5, "large in the link")
    for _ in range(5):  # 4 -> 9 neurons, past the usual 8
        page.get_by_test_id("add-neuron-0").click()
        page.wait_for_timeout(100)
    expect(page.get_by_test_id("neuron-0-8")).to_be_visible()
    page.get_by_test_id("step").click()
    expect(page.get_by_test_id("epoch")).to_have_text("1")
    page.get_by_test_id("allow-large").uncheck()
    expect(page.get_by_test_id("neuron-0-8")).to_have_count(0)   # back to at most 8
    expect(page.get_by_test_id("neuron-0-7")).to_be_visible()
