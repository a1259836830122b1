"""The web chat widget: the script NGOs embed, its chat frame, its assets, a demo page at ``/``.

NGO sites embed it with one tag, ``<script src="https://<gateway>/widget/sahayatri.js"
defer></script>``. The loader is served with a short cache lifetime (a fix reaches everyone
within minutes) and its stylesheet inlined, so the widget costs one request up front. The other
files are long-cached; URLs to them carry a content hash (``?v=``), so a changed file is
fetched again. Static files are public: any site may load them (fonts need CORS).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, render_template, request, send_from_directory

WIDGET_DIR = Path(__file__).resolve().parent
STATIC_DIR = WIDGET_DIR / "static"
LOADER_NAME = "sahayatri.js"
STYLESHEET_NAME = "sahayatri.css"
FONT_NAME = "fonts/noto-sans-devanagari-devanagari-400-normal.woff2"
LOADER_MAX_AGE = 300  # seconds
ASSET_MAX_AGE = 365 * 24 * 3600
DEFAULT_EXIT_URL = "https://www.google.com/search?q=weather"
DEMO_TITLES = ("", "Info", "Chat")
DEMO_LANGUAGES = ("en", "ne", "ne-Latn")
DEMO_ICONS = ("chat", "neutral")
CSS_PLACEHOLDER = '"/*@sahayatri-css*/"'
FONT_PLACEHOLDER = '"/*@sahayatri-font*/"'


widget_blueprint = Blueprint("widget", __name__, template_folder="templates")


@dataclass(frozen=True)
class Loader:
    body: bytes
    gzipped: bytes
    etag: str


_loader_cache: dict[tuple[float, ...], Loader] = {}


def _content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def build_loader() -> Loader:
    """sahayatri.js with the stylesheet and the versioned font URL filled in (cached)."""
    sources = [STATIC_DIR / LOADER_NAME, STATIC_DIR / STYLESHEET_NAME, STATIC_DIR / FONT_NAME]
    key = tuple(path.stat().st_mtime for path in sources)
    cached = _loader_cache.get(key)
    if cached is not None:
        return cached
    script, css, font = (path.read_bytes() for path in sources)
    font_url = f"{FONT_NAME}?v={_content_hash(font)}"
    text = script.decode("utf-8")
    if CSS_PLACEHOLDER not in text or FONT_PLACEHOLDER not in text:
        raise RuntimeError(f"{LOADER_NAME} lost its placeholders")
    # json.dumps gives a valid JS string literal; "</" is escaped too, in case anyone inlines it.
    text = text.replace(CSS_PLACEHOLDER, json.dumps(css.decode("utf-8")).replace("</", "<\\/"))
    text = text.replace(FONT_PLACEHOLDER, json.dumps(font_url))
    body = text.encode("utf-8")
    loader = Loader(body, gzip.compress(body, compresslevel=9, mtime=0), _content_hash(body))
    _loader_cache.clear()
    _loader_cache[key] = loader
    return loader


def _demo_exit_url() -> str:
    """``?exit=`` may point quick exit at a loopback page (the browser tests do), nothing else:
    a crafted link to the demo must not send a frightened person to a site of someone's choice."""
    candidate = request.args.get("exit", "")
    parts = urlsplit(candidate)
    if parts.scheme in {"http", "https"} and parts.hostname in {"127.0.0.1", "localhost"}:
        return candidate
    return DEFAULT_EXIT_URL


def _demo_choice(name: str, allowed: tuple[str, ...]) -> str:
    """Only the values the demo offers: a crafted link must not make our page say anything."""
    value = request.args.get(name, allowed[0])
    return value if value in allowed else allowed[0]


@widget_blueprint.get("/")
def demo() -> Response:
    return Response(
        render_template(
            "widget/demo.html",
            exit_url=_demo_exit_url(),
            title=_demo_choice("title", DEMO_TITLES),
            language=_demo_choice("language", DEMO_LANGUAGES),
            icon=_demo_choice("icon", DEMO_ICONS),
        )
    )


FRAME_TITLE_MAX = 30
FRAME_TITLE_REFUSED = set(":/@<>&%=+")  # no links, addresses or markup


def _frame_title(raw: str) -> str:
    """A partner's short title in any script; never a number or a link (a crafted frame URL
    must not make our origin show 'call this number')."""
    title = raw.strip()
    if len(title) > FRAME_TITLE_MAX or not title.isprintable():
        return ""
    if any(ch.isdigit() or ch in FRAME_TITLE_REFUSED for ch in title):
        return ""
    return title


@widget_blueprint.get("/widget/frame")
def frame() -> Response:
    """The chat panel, on the gateway's own origin, framed by the partner's page.

    Only the partner sites in WIDGET_ALLOWED_ORIGINS may frame it (CSP frame-ancestors, in
    webhooks/security_headers.py). Its title and language come from the partner's tag; a
    crafted link cannot make it show a number or a link.
    """
    title = _frame_title(request.args.get("title", ""))
    language = _demo_choice("lang", DEMO_LANGUAGES)
    return Response(render_template("widget/frame.html", title=title, language=language))


@widget_blueprint.get(f"/widget/{LOADER_NAME}")
def loader_script() -> Response:
    loader = build_loader()
    compressed = "gzip" in request.headers.get("Accept-Encoding", "")
    response = Response(loader.gzipped if compressed else loader.body, mimetype="text/javascript")
    if compressed:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.set_etag(loader.etag + ("-gz" if compressed else ""))
    response.cache_control.public = True
    response.cache_control.max_age = LOADER_MAX_AGE
    _public_asset_headers(response)
    return response.make_conditional(request)


@widget_blueprint.get("/widget/<path:filename>")
def asset(filename: str) -> Response:
    if filename == STYLESHEET_NAME or filename.startswith("."):
        abort(404)  # the stylesheet only ever travels inside the loader
    response = send_from_directory(STATIC_DIR, filename, max_age=ASSET_MAX_AGE)
    response.cache_control.public = True
    if "v" in request.args:
        response.cache_control.immutable = True
    _public_asset_headers(response)
    return response


def _public_asset_headers(response: Response) -> None:
    response.headers["Access-Control-Allow-Origin"] = "*"  # public files; fonts need CORS
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
