"""Editing a client's operation mix in the property panel: add rows, fill them in, remove one,
undo, and find the mix saved."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_editor import (
    VIEWPORT,
    click_node,
    document,
    open_blank_scenario,
    wait_for_document,
    wait_for_editor,
    watch_errors,
)

pytestmark = pytest.mark.browser

SHOP = {
    "format": "architecture-playground/topology",
    "version": 1,
    "name": "Mix",
    "description": "",
    "nodes": [
        {"id": "shop", "kind": "client", "label": "Shop", "position": {"x": 80, "y": 160}, "props": {"rate": 20}},
        {"id": "web", "kind": "service", "label": "Web", "position": {"x": 420, "y": 160}, "props": {}},
    ],
    "edges": [{"id": "e1", "from": "shop", "to": "web", "props": {}}],
}


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    errors = watch_errors(page)
    yield page
    context.close()
    assert errors == [], f"errors in the browser console: {errors}"


QUIET = """
() => {
  if (!window.__panelTraffic) {
    const traffic = { busy: 0, last: performance.now() };
    document.body.addEventListener("htmx:beforeRequest", () => {
      traffic.busy += 1;
      traffic.last = performance.now();
    });
    document.body.addEventListener("htmx:afterSettle", () => { traffic.last = performance.now(); });
    document.body.addEventListener("htmx:afterRequest", () => {
      traffic.busy = Math.max(0, traffic.busy - 1);
      traffic.last = performance.now();
    });
    window.__panelTraffic = traffic;
  }
}
"""


def settled(page: Page) -> None:
    """No panel request in flight and none for a moment: every answer (the post of a change,
    and the panel's own refresh after it) has been swapped in, so the next field filled is
    the panel's current one (a field changed in a form an answer then replaces is lost)."""
    page.evaluate(QUIET)
    page.wait_for_function(
        "() => window.__panelTraffic.busy === 0 && performance.now() - window.__panelTraffic.last > 300"
    )


def add_row(page: Page, operation: str, kind: str, rate: str) -> None:
    """Add a row and fill it in, one field at a time: each change posts the panel and comes back
    with the form as applied (the canvas's document shows it)."""
    rows = page.locator("#panel .mix-table tbody tr:not(.mix-empty)")
    count = rows.count()
    page.locator("#panel .mix-add").click()
    expect(rows).to_have_count(count + 1)
    settled(page)
    entry = f"doc.nodes[0].props.mix?.[{count}]"
    name = page.locator(f"#panel [name='mix-{count}-operation']")
    name.fill(operation)
    name.press("Tab")
    wait_for_document(page, f"{entry}?.operation === {operation!r}")
    settled(page)
    page.locator(f"#panel [name='mix-{count}-kind']").select_option(kind)
    wait_for_document(page, f"{entry}.kind === {kind!r}")
    settled(page)
    field = page.locator(f"#panel [name='mix-{count}-rate']")
    field.fill(rate)
    field.press("Tab")
    wait_for_document(page, f"{entry}.rate === {float(rate)}")
    settled(page)


def test_a_mix_is_edited_in_the_panel_and_saved(page: Page, live_server_url: str) -> None:
    open_blank_scenario(page, live_server_url)
    page.evaluate(QUIET)
    page.evaluate("(doc) => window.playgroundEditor.loadDocument(doc)", SHOP)
    click_node(page, "shop")
    expect(page.locator("#panel")).to_contain_text("No operations")

    add_row(page, "GetProduct", "query", "90")
    wait_for_document(page, "doc.nodes[0].props.mix?.length === 1")
    add_row(page, "PlaceOrder", "command", "10")
    wait_for_document(page, "doc.nodes[0].props.mix?.length === 2")
    assert document(page)["nodes"][0]["props"]["mix"] == [
        {"operation": "GetProduct", "kind": "query", "rate": 90},
        {"operation": "PlaceOrder", "kind": "command", "rate": 10},
    ]

    # a bad name is refused inline and changes nothing
    name = page.locator("#panel [name='mix-1-operation']")
    name.fill("9lives")
    name.press("Tab")
    expect(page.locator("#panel .field-error")).to_contain_text("row 2: not a valid name: '9lives'")
    assert document(page)["nodes"][0]["props"]["mix"][1]["operation"] == "PlaceOrder"
    name = page.locator("#panel [name='mix-1-operation']")
    name.fill("PlaceOrder")
    name.press("Tab")
    expect(page.locator("#panel .field-error")).to_have_count(0)
    settled(page)
    rate = page.locator("#panel [name='mix-1-rate']")
    rate.fill("12.5")
    rate.press("Tab")
    wait_for_document(page, "doc.nodes[0].props.mix[1].rate === 12.5")

    # remove the first row; undo brings it back
    page.get_by_role("button", name="Remove row 1").click()
    wait_for_document(
        page, "doc.nodes[0].props.mix.length === 1 && doc.nodes[0].props.mix[0].operation === 'PlaceOrder'"
    )
    expect(page.locator("#panel [name='mix-0-operation']")).to_have_value("PlaceOrder")
    page.locator("#btn-undo").click()
    wait_for_document(page, "doc.nodes[0].props.mix.length === 2")

    page.locator("#btn-save").click()
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved · revision \d+$"))
    saved = document(page)
    page.reload()
    wait_for_editor(page)
    assert document(page)["nodes"][0]["props"]["mix"] == saved["nodes"][0]["props"]["mix"]
    click_node(page, "shop")
    expect(page.locator("#panel [name='mix-1-rate']")).to_have_value("12.5")
