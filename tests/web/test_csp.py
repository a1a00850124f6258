"""The web client runs under its Content-Security-Policy without a single violation."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.web.test_e2e import sign_in


def test_no_screen_breaks_the_content_security_policy(live_server: str, new_context: Any) -> None:
    violations: list[str] = []
    for username, heading in (("vol.naimueang", None), ("sup.nongkhai", re.compile("ภาพรวม"))):
        page = new_context().new_page()
        page.on("console", lambda message: violations.append(message.text)
                if "Content Security Policy" in message.text else None)
        response = page.goto(live_server + "/")
        assert response is not None
        assert "script-src 'self'" in response.headers["content-security-policy"]
        sign_in(page, live_server, username)
        if heading is not None:  # the dashboard sets bar widths from script
            expect(page.get_by_role("heading", name=heading)).to_be_visible()
            expect(page.locator(".bar").first).to_be_visible()
        page.wait_for_load_state("networkidle")
    assert violations == []
