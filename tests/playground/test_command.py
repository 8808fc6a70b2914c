"""``glassnet playground``: its options reach the server, and a host beyond this machine is warned about."""

from __future__ import annotations

import pytest

pytest.importorskip("uvicorn")

import uvicorn  # noqa: E402

from glassnet.cli import main  # noqa: E402
from glassnet.playground import server  # noqa: E402


def test_the_command_passes_its_options_to_the_server(monkeypatch):
    calls = []
    monkeypatch.setattr(server, "serve", lambda **kwargs: calls.append(kwargs))
    assert main(["playground", "--no-browser", "--port", "9001"]) == 0
    assert calls[0]["host"] == "127.0.0.1" and calls[0]["port"] == 9001 and calls[0]["open_browser"] is False
    assert main(["playground", "--port", "70000"]) == 2


@pytest.mark.parametrize("host, warned", [("127.0.0.1", False), ("0.0.0.0", True)])
def test_serving_beyond_loopback_warns_and_allows_other_host_names(monkeypatch, host, warned):
    said, configs = [], []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self: configs.append(self.config))
    server.serve(host=host, port=8123, open_browser=False, echo=said.append)
    assert any("reachable from other machines" in line for line in said) is warned
    assert any("http://127.0.0.1:8123/" in line for line in said)
    (config,) = configs
    assert config.host == host and config.port == 8123
