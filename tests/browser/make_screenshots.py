"""Draw the README's pictures of the playground with the browser the tests use (Debian's chromium).

    PYTHONPATH=src python -m tests.browser.make_screenshots        # writes docs/images/playground*.png

Each picture is a seeded setup trained for a fixed number of epochs (the step button, pressed by a script), so
the pictures change only when the page or the engine does.
"""

from __future__ import annotations

import pathlib
import shutil
import socket
import threading
import time

import uvicorn
from playwright.sync_api import expect, sync_playwright

from glassnet.playground.server import WS_MAX_SIZE, create_app

OUT = pathlib.Path(__file__).resolve().parents[2] / "docs" / "images"
SHOTS = {
    # name: (URL hash, epochs)
    "playground.png": ("#dataset=spiral&hidden=8,8&activation=tanh&optimizer=adam&show_test=true", 300),
    "playground_findings.png": ("#dataset=circle&hidden=4,2&activation=relu&learning_rate=3", 120),
}


def main() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    server = uvicorn.Server(uvicorn.Config(create_app(), ws="auto", ws_max_size=WS_MAX_SIZE, log_level="warning"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu"])
        for name, (hash_, epochs) in SHOTS.items():
            page = browser.new_page(viewport={"width": 1500, "height": 760})
            page.goto(url + hash_)
            page.get_by_test_id("neuron-0-0").wait_for()
            page.wait_for_timeout(300)
            for i in range(epochs):
                page.get_by_test_id("step").click()
                if i % 50 == 49:
                    expect(page.get_by_test_id("epoch")).to_have_text(str(i + 1))
            expect(page.get_by_test_id("epoch")).to_have_text(str(epochs))
            page.screenshot(path=str(OUT / name))
            print("wrote", OUT / name)
            page.close()
        browser.close()
    server.should_exit = True


if __name__ == "__main__":
    main()
