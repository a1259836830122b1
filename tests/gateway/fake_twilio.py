"""A local fake of Twilio's Messages API: captures what we send, fails on demand, serves
media (voice notes, voicemail) behind the account's credentials until they are deleted, and
records the calls placed through the Calls API.

Like Twilio it creates the message before answering, so ``drop_answers`` can model a create
call whose answer never reaches us although the message exists (and will be sent).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from tests.support.http_stub import QuietJsonHandler, running_server


@dataclass
class FakeTwilioApi:
    url: str = ""
    sent: list[dict[str, str]] = field(default_factory=list)
    fail_with: int | None = None  # HTTP status to answer with instead of accepting
    drop_answers: int = 0  # create the message, then close the connection, this often
    # Message records Twilio keeps (what we sent, plus any a test adds), and what was deleted.
    records: list[dict[str, str]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    # Media by path: (audio, content type); served only with these credentials (SID, token).
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    credentials: tuple[str, str] = ("", "")
    media_fetches: list[str] = field(default_factory=list)  # paths served
    calls: list[dict[str, str]] = field(default_factory=list)  # calls placed (Calls API)
    call_records: list[dict[str, str]] = field(default_factory=list)  # calls Twilio keeps

    def add_media(self, audio: bytes, content_type: str = "audio/ogg") -> str:
        """Media of an inbound message on our account; returns its URL (as in MediaUrl0)."""
        account = self.credentials[0]
        path = (f"/2010-04-01/Accounts/{account}/Messages/MM{uuid.uuid4().hex}"
                f"/Media/ME{uuid.uuid4().hex}")  # fmt: skip
        self.media[path] = (audio, content_type)
        return self.url + path

    def add_recording(self, audio: bytes) -> str:
        """A call recording on our account; returns its URL (as in RecordingUrl)."""
        path = f"/2010-04-01/Accounts/{self.credentials[0]}/Recordings/RE{uuid.uuid4().hex}"
        self.media[path] = (audio, "audio/x-wav")
        return self.url + path

    def handler(self) -> type[QuietJsonHandler]:
        api = self

        class Handler(QuietJsonHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path.endswith("/Calls.json") and not api.fail_with:
                    sid = "CA" + uuid.uuid4().hex
                    api.calls.append({**form, "sid": sid})
                    self.reply_json(201, {"sid": sid, "status": "queued"})
                    return
                if not self.path.endswith("/Messages.json"):
                    self.reply_json(404, {"code": 20404, "message": "not found", "status": 404})
                    return
                if api.fail_with:
                    self.reply_json(
                        api.fail_with, {"code": 30001, "message": "fail", "status": api.fail_with}
                    )
                    return
                sid = "SM" + uuid.uuid4().hex
                api.sent.append({**form, "sid": sid})
                api.records.append({"sid": sid, "to": form.get("To"), "from": form.get("From")})
                if api.drop_answers:
                    api.drop_answers -= 1
                    self.close_connection = True
                    return
                self.reply_json(201, {"sid": sid, "status": "queued", "to": form.get("To"),
                                  "body": form.get("Body")})  # fmt: skip

            def authorised(self) -> bool:
                expected = "Basic " + base64.b64encode(":".join(api.credentials).encode()).decode()
                return self.headers.get("Authorization") == expected

            def serve_media(self, path: str) -> None:
                if not self.authorised():
                    self.reply_json(401, {"code": 20003, "message": "auth", "status": 401})
                    return
                if api.fail_with:
                    self.reply_json(api.fail_with, {"code": 20500, "status": api.fail_with})
                    return
                audio, content_type = api.media[path]
                api.media_fetches.append(path)
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(audio)))
                self.end_headers()
                self.wfile.write(audio)

            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                if path in api.media:
                    self.serve_media(path)
                    return
                if path.endswith("/Calls.json"):
                    wanted = {k: v[0] for k, v in parse_qs(query).items()}
                    calls = [dict(r, status="completed") for r in api.call_records
                             if r["sid"] not in api.deleted
                             and all(r.get(key.lower()) == value for key, value in wanted.items()
                                     if key in ("To", "From"))]  # fmt: skip
                    self.reply_json(200, {"calls": calls, "next_page_uri": None, "page": 0,
                                          "page_size": 100, "uri": self.path})  # fmt: skip
                    return
                if not path.endswith("/Messages.json"):
                    self.reply_json(404, {"code": 20404, "message": "not found", "status": 404})
                    return
                wanted = {k: v[0] for k, v in parse_qs(query).items()}
                found = [
                    {"sid": r["sid"], "to": r["to"], "from": r["from"], "status": "delivered"}
                    for r in api.records
                    if r["sid"] not in api.deleted
                    and all(r.get(key.lower()) == value for key, value in wanted.items()
                            if key in ("To", "From"))
                ]  # fmt: skip
                self.reply_json(200, {"messages": found, "next_page_uri": None, "page": 0,
                                      "page_size": 100, "uri": self.path})  # fmt: skip

            def do_DELETE(self) -> None:
                sid = self.path.rsplit("/", 1)[-1].removesuffix(".json")
                if api.fail_with:
                    self.reply_json(api.fail_with, {"code": 20500, "status": api.fail_with})
                    return
                api.deleted.append(sid)
                api.media.pop(self.path.removesuffix(".json"), None)
                self.send_response(204)
                self.end_headers()

        return Handler


@contextmanager
def running_fake_twilio() -> Iterator[FakeTwilioApi]:
    api = FakeTwilioApi()
    with running_server(api.handler()) as url:
        api.url = url
        yield api
