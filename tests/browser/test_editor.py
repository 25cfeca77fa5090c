"""The canvas editor, used as a new user would: from the gallery, with the mouse and the keyboard.

Runs against the real stack (`live_server_url`: daphne on a fresh database with the
templates loaded) in Debian's Chromium (`browser`). Screenshots go to test-artifacts/.
"""

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, FloatRect, Page, ViewportSize, expect

pytestmark = pytest.mark.browser

VIEWPORT: ViewportSize = {"width": 1440, "height": 900}


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page that fails the test on any script error or console error."""
    page = context.new_page()
    errors = watch_errors(page)
    yield page
    assert errors == [], f"errors in the browser console: {errors}"


def watch_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


# --- helpers --------------------------------------------------------------------------------


def wait_for_editor(page: Page) -> None:
    page.wait_for_function("() => window.playgroundEditor !== undefined")
    expect(page.locator("#problems-count")).not_to_have_text("Checking…")


def open_blank_scenario(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.get_by_role("button", name="New blank scenario").click()
    page.wait_for_url(re.compile(r"/s/[^/]+/edit/$"))
    wait_for_editor(page)


def open_template(page: Page, base_url: str, slug: str) -> None:
    page.goto(base_url + "/")
    page.locator(f"form[action$='/templates/{slug}/use/']").get_by_role("button", name="Use this template").click()
    page.wait_for_url(re.compile(r"/s/[^/]+/edit/$"))
    wait_for_editor(page)


def document(page: Page) -> dict[str, Any]:
    return page.evaluate("() => window.playgroundEditor.getDocument()")


def wait_for_document(page: Page, condition: str) -> None:
    """Wait until a JavaScript condition on `doc` (the editor's document) holds."""
    page.wait_for_function(f"() => {{ const doc = window.playgroundEditor.getDocument(); return {condition}; }}")


def centre(box: FloatRect | None) -> tuple[float, float]:
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def node_body(page: Page, node_id: str) -> Any:
    return page.locator(f'#canvas [data-cell-id="{node_id}"] > rect').first


def drag_from_palette(page: Page, kind: str, x: float, y: float) -> None:
    """Drag a kind from the palette and drop it at (x, y) inside the canvas."""
    canvas = page.locator("#canvas").bounding_box()
    assert canvas is not None
    item = page.locator(f'#palette [data-kind="{kind}"]')
    item.scroll_into_view_if_needed()  # the palette scrolls when its kinds outgrow the window
    page.mouse.move(*centre(item.bounding_box()))
    page.mouse.down()
    page.mouse.move(canvas["x"] + x, canvas["y"] + y, steps=10)
    page.mouse.up()


def drag(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=12)
    page.mouse.up()


def connect(page: Page, source: str, target: str) -> None:
    """Drag from the source node's right-hand port onto the target node."""
    page.mouse.move(*centre(node_body(page, source).bounding_box()))  # hovering shows the ports
    port = page.locator(f'#canvas [data-cell-id="{source}"] [port="right"]')
    expect(port).to_be_visible()
    drag(page, centre(port.bounding_box()), centre(node_body(page, target).bounding_box()))


def click_node(page: Page, node_id: str) -> None:
    page.mouse.click(*centre(node_body(page, node_id).bounding_box()))


def click_blank_canvas(page: Page) -> None:
    canvas = page.locator("#canvas").bounding_box()
    assert canvas is not None
    page.mouse.click(canvas["x"] + 12, canvas["y"] + canvas["height"] - 12)


def edges_of(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return [(edge["from"], edge["to"]) for edge in doc["edges"]]


def draw_client_balancer_and_two_services(page: Page) -> None:
    drag_from_palette(page, "client", 140, 220)
    drag_from_palette(page, "load_balancer", 400, 220)
    drag_from_palette(page, "service", 680, 120)
    drag_from_palette(page, "service", 680, 330)
    wait_for_document(page, "doc.nodes.length === 4")
    connect(page, "client-1", "load_balancer-1")
    connect(page, "load_balancer-1", "service-1")
    connect(page, "load_balancer-1", "service-2")
    wait_for_document(page, "doc.edges.length === 3")


def api_json(url: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


# --- tests ----------------------------------------------------------------------------------


def test_a_new_user_draws_connects_edits_undoes_saves_and_reloads(
    page: Page, live_server_url: str, artifacts: Path
) -> None:
    open_blank_scenario(page, live_server_url)
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved"))
    expect(page.locator("#canvas-hint")).to_be_visible()

    draw_client_balancer_and_two_services(page)
    doc = document(page)
    assert [(n["id"], n["kind"]) for n in doc["nodes"]] == [
        ("client-1", "client"),
        ("load_balancer-1", "load_balancer"),
        ("service-1", "service"),
        ("service-2", "service"),
    ]
    assert [n["label"] for n in doc["nodes"]] == ["Clients 1", "Load balancer 1", "Service 1", "Service 2"]
    assert edges_of(doc) == [
        ("client-1", "load_balancer-1"),
        ("load_balancer-1", "service-1"),
        ("load_balancer-1", "service-2"),
    ]
    assert [e["id"] for e in doc["edges"]] == ["e-1", "e-2", "e-3"]
    expect(page.locator("#save-status")).to_have_text("● Unsaved changes")
    expect(page.locator("#problems-count")).to_have_text("No problems")
    expect(page.locator("#canvas-hint")).to_be_hidden()

    # Nothing can be sent into a traffic source: dragging service -> clients draws no edge.
    connect(page, "service-2", "client-1")
    page.wait_for_timeout(300)
    assert len(document(page)["edges"]) == 3

    # The property panel: change the replicas of a service and see it applied.
    click_node(page, "service-1")
    expect(page.locator("#panel")).to_contain_text("service-1")
    replicas = page.locator("#panel [name='replicas']")
    expect(replicas).to_have_value("1")
    replicas.fill("3")
    replicas.press("Tab")
    wait_for_document(page, "doc.nodes[2].props.replicas === 3")
    page.screenshot(path=artifacts / "editor-panel.png")

    # Undo and redo, with the toolbar and with the keyboard.
    page.locator("#btn-undo").click()
    wait_for_document(page, "doc.nodes[2].props.replicas === 1")
    page.locator("#btn-redo").click()
    wait_for_document(page, "doc.nodes[2].props.replicas === 3")
    click_blank_canvas(page)
    page.keyboard.press("Control+z")
    wait_for_document(page, "doc.nodes[2].props.replicas === 1")
    page.keyboard.press("Control+Shift+z")
    wait_for_document(page, "doc.nodes[2].props.replicas === 3")

    # Save, then reload and find everything as it was.
    page.locator("#btn-save").click()
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved · revision \d+$"))
    saved = document(page)
    page.screenshot(path=artifacts / "editor-saved.png")
    page.reload()
    wait_for_editor(page)
    assert document(page) == saved
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved · revision \d+$"))


def test_the_share_link_is_read_only_and_can_be_forked(browser: Browser, live_server_url: str, artifacts: Path) -> None:
    owner = browser.new_context(viewport=VIEWPORT)
    viewer = browser.new_context(viewport=VIEWPORT)
    try:
        page = owner.new_page()
        owner_errors = watch_errors(page)
        open_blank_scenario(page, live_server_url)
        draw_client_balancer_and_two_services(page)
        page.locator("#btn-save").click()
        expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved · revision"))
        saved = document(page)
        view_url = page.evaluate("() => window.playgroundEditor.config.view_url")

        shared = viewer.new_page()
        viewer_errors = watch_errors(shared)
        shared.goto(live_server_url + view_url)
        wait_for_editor(shared)
        assert shared.evaluate("() => window.playgroundEditor.mode") == "view"
        expect(shared.locator("#palette")).to_have_count(0)
        expect(shared.locator("#btn-save")).to_have_count(0)
        expect(shared.locator("#btn-undo")).to_have_count(0)
        expect(shared.locator("#btn-fork")).to_be_visible()
        expect(shared.locator("#btn-export-json")).to_be_visible()
        assert document(shared) == saved

        # Selecting works and shows read-only properties; moving and deleting do nothing.
        click_node(shared, "service-1")
        expect(shared.locator("#panel")).to_contain_text("Read-only")
        start = centre(node_body(shared, "service-1").bounding_box())
        drag(shared, start, (start[0] + 150, start[1] + 90))
        shared.keyboard.press("Delete")
        shared.keyboard.press("Backspace")
        shared.wait_for_timeout(300)
        assert document(shared) == saved
        shared.screenshot(path=artifacts / "editor-read-only.png")

        # No edit link or secret in the read-only page.
        html = shared.content()
        assert "/edit/" not in html
        created = api_json(live_server_url + "/api/scenarios/", saved)
        shared.goto(created["view_url"])
        wait_for_editor(shared)
        assert created["edit_secret"] not in shared.content()

        # Anyone can fork: the copy opens in the editor, owned by the viewer.
        shared.goto(live_server_url + view_url)
        wait_for_editor(shared)
        shared.locator("#btn-fork").click()
        shared.wait_for_url(re.compile(r"/s/[^/]+/edit/$"))
        wait_for_editor(shared)
        assert shared.evaluate("() => window.playgroundEditor.mode") == "edit"
        assert shared.evaluate("() => window.playgroundEditor.config.slug") != view_url.strip("/").split("/")[-1]
        forked = document(shared)
        assert [n["id"] for n in forked["nodes"]] == [n["id"] for n in saved["nodes"]]
        assert edges_of(forked) == edges_of(saved)
        expect(shared.locator("#palette")).to_be_visible()
        assert owner_errors == [] and viewer_errors == []
    finally:
        owner.close()
        viewer.close()


def test_export_and_reimport_json(page: Page, live_server_url: str, tmp_path: Path) -> None:
    open_template(page, live_server_url, "queue-buffering")
    original = document(page)
    slug = page.evaluate("() => window.playgroundEditor.config.slug")

    with page.expect_download() as download_info:
        page.locator("#btn-export-json").click()
    download = download_info.value
    assert download.suggested_filename == f"{slug}.json"
    exported_path = tmp_path / download.suggested_filename
    download.save_as(exported_path)
    assert json.loads(exported_path.read_text()) == original

    for button, suffix in (("#btn-export-png", ".png"), ("#btn-export-svg", ".svg")):
        with page.expect_download() as picture_info:
            page.locator(button).click()
        picture = picture_info.value
        assert picture.suggested_filename == f"{slug}{suffix}"
        picture_path = tmp_path / picture.suggested_filename
        picture.save_as(picture_path)
        assert picture_path.stat().st_size > 1000

    # Empty the canvas, then open the exported file: everything comes back.
    click_blank_canvas(page)
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    wait_for_document(page, "doc.nodes.length === 0")
    expect(page.locator("#save-status")).to_have_text("● Unsaved changes")
    page.locator("#import-file").set_input_files(exported_path)
    wait_for_document(page, f"doc.nodes.length === {len(original['nodes'])}")
    assert document(page) == original
    expect(page.locator("#problems-count")).to_have_text("No problems")

    # A file with errors is not opened; its problems are listed.
    broken = dict(original, edges=[*original["edges"], {"id": "e-broken", "from": "nowhere", "to": "nothing"}])
    broken_path = tmp_path / "broken.json"
    broken_path.write_text(json.dumps(broken))
    page.locator("#import-file").set_input_files(broken_path)
    expect(page.locator("#problems-heading")).to_contain_text("broken.json was not opened")
    expect(page.locator("#problems li").first).to_be_visible()
    assert document(page) == original

    # An import is one undoable change.
    page.locator("#btn-undo").click()
    wait_for_document(page, "doc.nodes.length === 0")
    page.locator("#btn-redo").click()
    wait_for_document(page, f"doc.nodes.length === {len(original['nodes'])}")


def test_shortcuts_clipboard_zones_layout_and_help(page: Page, live_server_url: str, artifacts: Path) -> None:
    open_blank_scenario(page, live_server_url)
    drag_from_palette(page, "zone", 520, 300)
    drag_from_palette(page, "service", 140, 140)
    wait_for_document(page, "doc.nodes.length === 2")
    zone = document(page)["nodes"][0]
    assert zone["id"] == "zone-1" and zone["size"]["width"] > 200

    # Dragging a node into a zone puts it in the zone; dragging it out takes it out.
    zone_box = node_body(page, "zone-1").bounding_box()
    drag(page, centre(node_body(page, "service-1").bounding_box()), centre(zone_box))
    wait_for_document(page, "doc.nodes[1].props.zone === 'zone-1'")

    # Copy and paste: a fresh id, in the same zone, selected.
    click_node(page, "service-1")
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    wait_for_document(page, "doc.nodes.length === 3")
    pasted = document(page)["nodes"][2]
    assert pasted["id"] == "service-2" and pasted["props"]["zone"] == "zone-1"

    # Delete, and undo the delete.
    page.keyboard.press("Delete")
    wait_for_document(page, "doc.nodes.length === 2")
    page.keyboard.press("Control+z")
    wait_for_document(page, "doc.nodes.length === 3")

    # Moving the zone moves its members.
    before = document(page)["nodes"][1]["position"]
    zone_title = node_body(page, "zone-1").bounding_box()
    assert zone_title is not None
    drag(page, (zone_title["x"] + 60, zone_title["y"] + 12), (zone_title["x"] + 60, zone_title["y"] + 112))
    wait_for_document(page, f"doc.nodes[1].position.y === {before['y'] + 100}")

    # Out of the zone again.
    drag(page, centre(node_body(page, "service-1").bounding_box()), (zone_title["x"] - 150, zone_title["y"] + 40))
    wait_for_document(page, "doc.nodes[1].props.zone === ''")

    # Auto-layout moves things, as one undo step.
    positions = [n["position"] for n in document(page)["nodes"]]
    same_positions = (
        "(before) => JSON.stringify(window.playgroundEditor.getDocument().nodes.map(n => n.position))"
        " === JSON.stringify(before)"
    )
    page.locator("#btn-layout").click()
    page.wait_for_function(f"(before) => !({same_positions})(before)", arg=positions)
    laid_out = document(page)["nodes"]
    assert laid_out[2]["props"]["zone"] == "zone-1"
    page.locator("#btn-undo").click()
    page.wait_for_function(same_positions, arg=positions)

    # Zoom and fit.
    zoom = page.locator("#zoom-level")
    level = zoom.inner_text()
    page.locator("#btn-zoom-in").click()
    expect(zoom).not_to_have_text(level)
    page.locator("#btn-zoom-out").click()
    click_blank_canvas(page)
    page.keyboard.press("f")
    page.locator("#btn-fit").click()

    # The help overlay lists the shortcuts; "?" and the toolbar button open it.
    page.keyboard.press("?")
    help_dialog = page.locator("#help-dialog")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("Undo")
    expect(help_dialog).to_contain_text("Paste")
    page.screenshot(path=artifacts / "editor-help.png")
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    page.locator("#btn-help").click()
    expect(help_dialog).to_be_visible()
    help_dialog.get_by_role("button", name="Close").click()
    expect(help_dialog).to_be_hidden()

    # Ctrl+S saves.
    page.keyboard.press("Control+s")
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved · revision"))


def test_problems_are_marked_on_the_canvas_and_listed(page: Page, live_server_url: str) -> None:
    open_blank_scenario(page, live_server_url)
    drag_from_palette(page, "load_balancer", 300, 200)
    wait_for_document(page, "doc.nodes.length === 1")
    # A load balancer without targets is an error, shown on the node and in the list.
    expect(page.locator("#problems-count")).to_have_text(re.compile(r"^\d+ problems?$"))
    expect(page.locator("#canvas [data-cell-id='load_balancer-1']")).to_have_class(re.compile(r"ap-mark-error"))
    click_blank_canvas(page)
    page.locator("#problems button[data-target='load_balancer-1']").first.click()
    assert page.evaluate("() => window.playgroundEditor.graph.getPlugin('selection').isSelected('load_balancer-1')")

    drag_from_palette(page, "service", 600, 200)
    wait_for_document(page, "doc.nodes.length === 2")
    connect(page, "load_balancer-1", "service-1")
    expect(page.locator("#problems-count")).to_have_text("No problems")
    expect(page.locator("#canvas [data-cell-id='load_balancer-1']")).not_to_have_class(re.compile(r"ap-mark-error"))


def test_every_template_opens_without_problems(page: Page, live_server_url: str, artifacts: Path) -> None:
    templates = api_json(live_server_url + "/api/templates/")
    assert len(templates) >= 14
    for template in templates:
        open_template(page, live_server_url, template["slug"])
        expect(page.locator("#problems-count"), template["slug"]).to_have_text("No problems")
        expected = api_json(f"{live_server_url}/api/templates/{template['slug']}/")
        assert document(page)["nodes"] == expected["nodes"], template["slug"]
        assert document(page)["edges"] == expected["edges"], template["slug"]
        if template["slug"] == "ecommerce-platform":
            page.screenshot(path=artifacts / "editor-ecommerce-platform.png")


def test_documents_survive_the_canvas_unchanged(page: Page, live_server_url: str) -> None:
    """Document -> canvas -> document keeps every field: absent ones stay absent, unknown
    ones (kinds, properties, top-level fields) are carried, dangling edges are kept."""
    edge_cases = {
        "format": "architecture-playground/topology",
        "version": 1,
        "name": "Edge cases",
        "description": "",
        "nodes": [
            {
                "id": "z",
                "kind": "zone",
                "label": "Zone",
                "position": {"x": 300, "y": 0},
                "size": {"width": 300, "height": 200},
                "props": {},
            },
            {
                "id": "a",
                "kind": "service",
                "label": "A",
                "position": {"x": 320.5, "y": 40},
                "props": {"replicas": 2, "zone": "z"},
            },
            {"id": "b", "kind": "service", "position": {"x": 0, "y": 0}},
            {"id": "c", "kind": "mystery", "label": "C", "props": {"deep": [1, {"x": None}]}, "extra": True},
            {"id": "d", "kind": "database", "label": "", "props": {"zone": "nowhere"}},
            {
                "id": "e",
                "kind": "client",
                "label": "Sized",
                "position": {"x": 0, "y": 400},
                "size": {"width": 200, "height": 80},
            },
        ],
        "edges": [
            {"id": "e1", "from": "b", "to": "a", "label": "calls", "props": {"timeout_ms": 10}},
            {"id": "e2", "from": "a", "to": "ghost"},
            {"id": "e3", "from": "c", "to": "d", "extra": 1},
        ],
        "faults": [{"at_s": 1, "action": "kill_instance", "target": "a"}],
        "run": {"duration_s": 5},
        "x_unknown": {"kept": [1, 2, 3]},
    }
    open_blank_scenario(page, live_server_url)
    page.evaluate("(doc) => window.playgroundEditor.loadDocument(doc)", edge_cases)
    assert document(page) == edge_cases
    expect(page.locator("#save-status")).to_have_text("● Unsaved changes")


def test_a_viewer_is_told_when_the_owner_saves(page: Page, live_server_url: str) -> None:
    created = api_json(
        live_server_url + "/api/scenarios/", api_json(live_server_url + "/api/templates/lb-round-robin/")
    )
    page.goto(created["view_url"])
    wait_for_editor(page)
    notice = page.locator("#scenario-updated")
    expect(notice).to_be_hidden()
    expect(notice).to_have_attribute("data-connected", "true")
    changed = api_json(created["view_url"].replace("/s/", "/api/scenarios/"))
    changed["name"] = "Round robin, revised"
    request = urllib.request.Request(
        created["view_url"].replace("/s/", "/api/scenarios/"),
        data=json.dumps(changed).encode(),
        method="PUT",
        headers={"Content-Type": "application/json", "X-Edit-Secret": created["edit_secret"]},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    expect(notice).to_be_visible(timeout=5000)
    expect(notice).to_contain_text("revision 2")
    expect(notice).to_contain_text("Round robin, revised")
