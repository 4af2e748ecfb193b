"""Session takeover, end to end: a second browser presents a victim's session id and sees nothing.

Streamlit resumes whichever session a websocket names in its third subprotocol (the frontend's
reconnect). The victim's id is read from the victim's own reconnect; the attacker's page, a real
Streamlit frontend in another browser (its own cookies), is made to present that id. The app binds
a session to the browser's XSRF cookie (``ui.state.bind_browser``), so the attacker gets a notice
and none of the victim's runs, and the victim keeps its session.
"""

from __future__ import annotations

import pytest

from app_driver import wait_idle
from lstm_core.config import ExperimentConfig
from lstm_core.model import build_model
from lstm_core.runs import Run, RunInfo, export_bundle, save_run
from lstm_core.vocabulary import Vocabulary

pytestmark = pytest.mark.e2e

VICTIM_RUN = "victim run 7341"
# Records the subprotocols every websocket sends; presents window.__hijack as the session id if set.
SPY = """
(() => {
  const Native = window.WebSocket;
  window.__protocols = [];
  function Spy(url, protocols) {
    protocols = (protocols || []).slice();
    if (window.__hijack) protocols = [protocols[0], protocols[1], window.__hijack];
    window.__protocols.push(protocols.slice());
    const ws = new Native(url, protocols);
    window.__ws = ws;
    return ws;
  }
  Spy.prototype = Native.prototype;
  for (const k of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) Spy[k] = Native[k];
  window.WebSocket = Spy;
})();
"""


def victim_bundle(tmp_path) -> bytes:
    cfg = ExperimentConfig().replace(model={"embedding_dim": 4, "units": 2, "dense_units": 2,
                                            "embedding_init": "random"})
    vocab = Vocabulary(max_size=20).fit([["good", "bad"]])
    run = Run(cfg, vocab, build_model(cfg.model, vocab.size, train_cfg=cfg.train), info=RunInfo(name=VICTIM_RUN))
    return export_bundle(save_run(run, tmp_path / "victim"))


def test_a_second_browser_presenting_a_session_id_gets_nothing_of_it(app_server, browser, tmp_path):
    from playwright.sync_api import expect

    bundle = tmp_path / "victim.zip"
    bundle.write_bytes(victim_bundle(tmp_path))
    victim_ctx, attacker_ctx = browser.new_context(), browser.new_context()
    try:
        victim = victim_ctx.new_page()
        victim.add_init_script(SPY)
        victim.goto(f"{app_server.url}/train")
        victim.get_by_text("Upload a run").wait_for(timeout=60_000)
        victim.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(bundle))
        expect(victim.get_by_test_id("stSidebar")).to_contain_text(VICTIM_RUN, timeout=60_000)
        wait_idle(victim)
        victim.evaluate("window.__ws.close()")  # the frontend reconnects, naming its session
        victim.wait_for_function("window.__protocols.length >= 2 && window.__protocols.at(-1).length >= 3",
                                 timeout=30_000)
        session_id = victim.evaluate("window.__protocols.at(-1)[2]")
        wait_idle(victim)
        expect(victim.get_by_test_id("stSidebar")).to_contain_text(VICTIM_RUN)  # the reconnect kept it

        attacker = attacker_ctx.new_page()
        attacker.add_init_script(SPY + f"window.__hijack = {session_id!r};")
        attacker.goto(f"{app_server.url}/train")
        expect(attacker.get_by_text("belongs to a session opened in another browser")).to_be_visible(
            timeout=60_000)
        assert attacker.evaluate("window.__protocols[0][2]") == session_id  # it presented the id...
        assert VICTIM_RUN not in attacker.content()  # ...and got none of the victim's session

        victim.reload()  # the victim's browser: a new session of its own, its workspace found again
        victim.get_by_text("Upload a run").wait_for(timeout=60_000)
        expect(victim.get_by_text("belongs to a session opened in another browser")).to_have_count(0)
        expect(victim.get_by_test_id("stSidebar")).to_contain_text(VICTIM_RUN, timeout=30_000)
    finally:
        victim_ctx.close()
        attacker_ctx.close()
