"""Measure the whole service on independently written first messages (`make eval-dialogue`).

    .venv-gateway/bin/python -m scripts.eval_dialogue [--split dev|test] [--reuse URL]

Starts the service as `make run` does (gateway, Rasa with the newest model of models/, action
server, on free ports with temporary databases: scripts/stack.py), or reuses a running one
(`--reuse http://127.0.0.1:8000`, signing with PUBLIC_BASE_URL and TWILIO_AUTH_TOKEN of .env).
Sends each message of ``data/eval/dialogue/<split>.<form>.yml`` (and
``data/eval/short_messages.yml``) as the FIRST message of a NEW sender, as a signed Twilio SMS,
and reads the TwiML replies.

Replies are recognised by their text, exactly as a person would read them: every answer of
data/content, every domain response, action message and gateway text, and the menu and
clarification screens of data/topics.yml, each known in its three forms.

Per form it reports (and writes docs/dialogue-report.md):
- right: the expected topic answered, or offered by a clarification or menu screen (any of
  ``expect``); ``human`` = a hand-off opened; ``greet``/``thanks``/``goodbye``/
  ``switch_language`` = that response; ``menu`` = a menu screen; ``find_service`` = a
  referral reply; ``out_of_scope`` = a polite "I can't help" and nothing else;
  ``danger`` = the emergency reply and a hand-off;
- clarification rate; plain fallback rate on in-scope messages ("did not understand" and
  nothing placed); replies in the person's form; danger recall (the emergency reply, on
  messages with ``danger``); hand-off precision (hand-offs that ``handoff: true`` wanted);
  p50/p95 latency through the gateway.
Targets (issue 10): right >= 95 % per form, plain fallback on in-scope <= 3 %, danger recall
1.0, hand-off precision >= 0.9, replies in the person's form >= 98 %. Exit 1 if one is missed.

Iterate on the dev files. The test files are for the final measurement only.
"""

from __future__ import annotations

import argparse
import re
import secrets
import statistics
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import requests
import yaml
from dotenv import dotenv_values
from twilio.request_validator import RequestValidator

from actions.messages import MESSAGES
from bot.knowledge.content import load_content
from bot.knowledge.forms import EN, FORMS
from bot.language.detector import detect, requested_form
from bot.understanding.topics import HUMAN, MENU, ROOT, load_topics
from webhooks.referrals.api import QUESTIONS as REFERRAL_QUESTIONS

ROOT_DIR = Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT_DIR / "data" / "eval"
REPORT = ROOT_DIR / "docs" / "dialogue-report.md"
TWILIO_PATH = "/webhooks/twilio/messages"
SERVICE_NUMBER = "+15005550006"

TARGET_RIGHT = 0.95
TARGET_PLAIN_FALLBACK = 0.03
TARGET_DANGER_RECALL = 1.0
TARGET_HANDOFF_PRECISION = 0.9
TARGET_IN_FORM = 0.98

SPECIAL = ("human", "greet", "thanks", "goodbye", "menu", "find_service", "switch_language",
           "out_of_scope", "danger")  # fmt: skip
FALLBACK_KEYS = ("fallback_first", "out_of_scope_first", "fallback_after_clarify",
                 "fallback_handoff", "fallback_again")  # fmt: skip
HANDOFF_KEYS = ("handoff_on_duty", "handoff_off_duty", "handoff_failed")
REFERRAL_KEYS = ("referrals_found", "referrals_no_match", "referrals_no_match_no_fallback",
                 "referrals_unavailable", "referrals_ask_place")  # fmt: skip


# --- evaluation data --------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    text: str
    form: str
    expect: tuple[str, ...]
    handoff: bool
    danger: str | None
    file: str


def load_cases(path: Path) -> list[Case]:
    """The messages of one evaluation file (a top-level ``form`` or one per message)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    cases = []
    for item in data.get("messages") or []:
        form = item.get("form") or data.get("form")
        if form not in FORMS:
            raise ValueError(f"{path.name}: message without a valid form: {item!r}")
        expect = item.get("expect") or []
        expect = (expect,) if isinstance(expect, str) else tuple(str(e) for e in expect)
        cases.append(Case(str(item["text"]), form, expect, bool(item.get("handoff")),
                          item.get("danger") or None, path.name))  # fmt: skip
    return cases


# --- recognising replies ----------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    kind: str  # answer | clarify | menu | fallback | handoff | emergency | greet | thanks |
    #            goodbye | switch_language | referral | other | unknown
    form: str | None
    topics: frozenset[str] = frozenset()  # answered (answer) or offered (clarify, menu)
    key: str = ""


class ReplyIndex:
    """Every text the service can send, with its kind and form."""

    def __init__(self) -> None:
        self.exact: dict[str, Reply] = {}
        self.patterns: list[tuple[re.Pattern[str], Reply]] = []
        self.topics = load_topics()
        content = load_content(ROOT_DIR / "data" / "content")
        for topic in content.topics:
            variants = [topic.answer, *topic.countries.values()]
            for texts in variants:
                for form, text in texts.items():
                    for body in filter(None, (text.sms, text.web)):
                        self.exact[body.strip()] = Reply("answer", form, frozenset({topic.id}))
        domain = yaml.safe_load((ROOT_DIR / "domain.yml").read_text(encoding="utf-8"))
        kinds = {"utter_greet": "greet", "utter_thanks": "thanks", "utter_goodbye": "goodbye",
                 "utter_language_switched": "switch_language"}  # fmt: skip
        for name, variations in (domain.get("responses") or {}).items():
            kind = "emergency" if name.startswith("utter_emergency") else kinds.get(name, "other")
            for variation in variations:
                form = EN
                for condition in variation.get("condition") or []:
                    form = condition.get("value", form)
                self.exact[str(variation["text"]).strip()] = Reply(kind, form, key=name)
        for key, texts in MESSAGES.items():
            kind = ("fallback" if key in FALLBACK_KEYS else "handoff" if key in HANDOFF_KEYS
                    else "referral" if key in REFERRAL_KEYS else "other")  # fmt: skip
            for form, template in texts.items():
                parts = re.split(r"\{[a-z_]+\}", template)
                rx = ".*".join(re.escape(part) for part in parts)
                self.patterns.append((re.compile(rx, re.S), Reply(kind, form, key=key)))
        for texts in REFERRAL_QUESTIONS.values():  # the gateway's own place questions
            for form, template in texts.items():
                parts = re.split(r"\{[a-z_]+\}", template)
                rx = re.compile(".*".join(re.escape(part) for part in parts), re.S)
                self.patterns.append((rx, Reply("referral", form, key="referral_question")))
        gateway = yaml.safe_load((ROOT_DIR / "data" / "gateway_texts.yml").read_text("utf-8"))
        for key, texts in gateway["texts"].items():
            for form, text in texts.items():
                self.exact[str(text).strip()] = Reply("gateway", form, key=key)

    def screen(self, text: str) -> Reply | None:
        """A menu or clarification screen (SMS rendering), with the topics it offers."""
        lines = text.splitlines()
        if len(lines) < 2:
            return None
        topics = self.topics
        for form in FORMS:
            header = lines[0]
            if header == topics.text("clarify", form):
                kind, node = "clarify", None
            elif header == topics.text("root", form):
                kind, node = "menu", ROOT
            else:
                node = next((n for n in topics.nodes if n != ROOT and header == topics.text(
                    "family", form, label=topics.label(n, form))), None)  # fmt: skip
                if node is None:
                    continue
                kind = "menu"
            labels = {topics.label(t, form): t for t in topics.topic_labels}
            labels.update({topics.label(t, form): t for t in (HUMAN, MENU)})
            leaves = set(topics.nodes[node].children) if node else set(labels.values())
            offered = set()
            for line in lines[1:]:
                number, _, label = line.partition(" ")
                if number.isdigit() and number != "0" and labels.get(label) in leaves:
                    offered.add(labels[label])
            return Reply(kind, form, frozenset(offered), key=node or "")
        return None

    def recognise(self, text: str) -> Reply:
        body = text.strip()
        if body in self.exact:
            return self.exact[body]
        screen = self.screen(body)
        if screen is not None:
            return screen
        for rx, reply in self.patterns:
            if rx.search(body):
                return reply
        for prefix, reply in self.exact.items():  # an answer after an intro line
            if reply.kind == "answer" and len(prefix) > 40 and prefix in body:
                return reply
        detection = detect(body)
        form = detection.form if detection.form in FORMS and detection.confidence >= 0.8 else None
        return Reply("unknown", form)


# --- one turn ---------------------------------------------------------------------------------


@dataclass
class Turn:
    case: Case
    replies: list[Reply]
    seconds: float
    texts: list[str] = field(default_factory=list)

    def kinds(self) -> set[str]:
        return {r.kind for r in self.replies}

    @property
    def answered(self) -> set[str]:
        return {t for r in self.replies if r.kind == "answer" for t in r.topics}

    @property
    def offered(self) -> set[str]:
        return {t for r in self.replies if r.kind in ("clarify", "menu") for t in r.topics}

    @property
    def clarified(self) -> bool:
        return any(
            r.kind == "clarify" or (r.kind == "menu" and r.key != ROOT) for r in self.replies
        )

    @property
    def handoff(self) -> bool:
        return any(r.kind == "handoff" for r in self.replies)

    @property
    def emergency(self) -> bool:
        return any(r.kind == "emergency" for r in self.replies)

    @property
    def plain_fallback(self) -> bool:
        placed = {"answer", "clarify", "menu", "emergency", "greet", "thanks", "goodbye",
                  "switch_language", "referral"}  # fmt: skip
        return "fallback" in self.kinds() and not (self.kinds() & placed)

    @property
    def expected_form(self) -> str:
        """The person's form; after "nepali ma" or "EN", the form asked for."""
        if "switch_language" in self.case.expect:
            return requested_form(self.case.text) or self.case.form
        return self.case.form

    @property
    def in_form(self) -> bool:
        forms = {r.form for r in self.replies}
        return bool(self.replies) and forms <= {None, self.expected_form}


def right(turn: Turn) -> bool:
    """Whether the turn did one of the things ``expect`` allows."""
    kinds = turn.kinds()
    for expected in turn.case.expect:
        if expected == "human" and (turn.handoff or HUMAN in turn.offered):
            return True
        if expected in ("greet", "thanks", "goodbye", "switch_language") and expected in kinds:
            return True
        if expected == "menu" and ("menu" in kinds or MENU in turn.offered):
            return True
        if expected == "find_service" and "referral" in kinds:
            return True
        if expected == "out_of_scope" and turn.plain_fallback and not turn.handoff:
            return True
        if expected == "danger" and turn.emergency and turn.handoff:
            return True
        if expected not in SPECIAL and (expected in turn.answered or expected in turn.offered):
            return True
    return False


@dataclass(frozen=True)
class Target:
    """Where to send, and how Twilio would sign for it."""

    url: str  # the gateway to post to
    public_url: str  # the PUBLIC_BASE_URL the gateway checks signatures against
    auth_token: str


def send(target: Target, sender: str, text: str) -> tuple[list[str], float]:
    params = {"MessageSid": "SM" + secrets.token_hex(16), "AccountSid": "AC" + "0" * 32,
              "From": sender, "To": SERVICE_NUMBER, "Body": text, "NumMedia": "0"}  # fmt: skip
    validator = RequestValidator(target.auth_token)
    signature = validator.compute_signature(target.public_url + TWILIO_PATH, params)
    started = time.perf_counter()
    response = requests.post(target.url + TWILIO_PATH, data=params,
                             headers={"X-Twilio-Signature": signature}, timeout=60)  # fmt: skip
    seconds = time.perf_counter() - started
    response.raise_for_status()
    replies = [node.text or "" for node in ET.fromstring(response.text).iter("Message")]  # noqa: S314
    return replies, seconds


def run_cases(cases: Iterable[Case], target: Target) -> list[Turn]:
    index = ReplyIndex()
    run_id = secrets.randbelow(90) + 10
    turns = []
    for number, case in enumerate(cases):
        sender = f"+97798{run_id:02d}{number:06d}"  # a new person for every message
        texts, seconds = send(target, sender, case.text)
        turns.append(Turn(case, [index.recognise(t) for t in texts], seconds, texts))
    return turns


# --- figures ----------------------------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Figures:
    n: int
    right: float | None
    clarification: float | None
    plain_fallback: float | None
    in_form: float | None
    danger_n: int
    danger_recall: float | None
    handoffs: int
    handoff_precision: float | None
    p50: float
    p95: float


def figures(turns: list[Turn]) -> Figures:
    in_scope = [t for t in turns if "out_of_scope" not in t.case.expect]
    danger = [t for t in turns if t.case.danger]
    handoffs = [t for t in turns if t.handoff]
    seconds = sorted(t.seconds for t in turns) or [0.0]
    return Figures(
        n=len(turns),
        right=_share(sum(right(t) for t in turns), len(turns)),
        clarification=_share(sum(t.clarified for t in turns), len(turns)),
        plain_fallback=_share(sum(t.plain_fallback for t in in_scope), len(in_scope)),
        in_form=_share(sum(t.in_form for t in turns), len(turns)),
        danger_n=len(danger),
        danger_recall=_share(sum(t.emergency for t in danger), len(danger)),
        handoffs=len(handoffs),
        handoff_precision=_share(sum(t.case.handoff for t in handoffs), len(handoffs)),
        p50=statistics.median(seconds),
        p95=seconds[min(len(seconds) - 1, int(0.95 * len(seconds)))],
    )


def missed_targets(by_form: dict[str, Figures]) -> list[str]:
    missed = []
    for form, f in by_form.items():
        checks = [
            ("right answer or clarification", f.right, TARGET_RIGHT, True),
            ("plain fallback on in-scope", f.plain_fallback, TARGET_PLAIN_FALLBACK, False),
            ("danger recall", f.danger_recall, TARGET_DANGER_RECALL, True),
            ("hand-off precision", f.handoff_precision, TARGET_HANDOFF_PRECISION, True),
            ("replies in the person's form", f.in_form, TARGET_IN_FORM, True),
        ]
        for name, value, target, at_least in checks:
            if value is not None and (value < target if at_least else value > target):
                missed.append(f"{form}: {name} {value:.1%} (target {target:.0%})")
    return missed


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def render_report(split: str, groups: dict[str, list[Turn]], show_errors: bool) -> str:
    by_form = {name: figures(turns) for name, turns in groups.items()}
    lines = [
        f"# Dialogue evaluation ({split})",
        "",
        "Generated by `make eval-dialogue` (`scripts/eval_dialogue.py`): each message is the "
        "first message of a new sender, sent as a signed Twilio SMS through the real gateway, "
        "Rasa and action server. Replies are recognised by their text.",
        "",
        "| set | messages | right answer or clarification | clarification rate | plain "
        "fallback (in scope) | replies in the person's form | danger recall | hand-offs | "
        "hand-off precision | p50 | p95 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, f in by_form.items():
        recall = f"{_pct(f.danger_recall)} ({f.danger_n})"
        lines.append(
            f"| {name} | {f.n} | {_pct(f.right)} | {_pct(f.clarification)} | "
            f"{_pct(f.plain_fallback)} | {_pct(f.in_form)} | {recall} | {f.handoffs} | "
            f"{_pct(f.handoff_precision)} | {f.p50:.2f} s | {f.p95:.2f} s |"
        )
    form_figures = {k: v for k, v in by_form.items() if k in FORMS}
    missed = missed_targets(form_figures)
    lines += [
        "",
        f"Targets per form: right >= {TARGET_RIGHT:.0%}, plain fallback on in-scope <= "
        f"{TARGET_PLAIN_FALLBACK:.0%}, danger recall {TARGET_DANGER_RECALL:.0%}, hand-off "
        f"precision >= {TARGET_HANDOFF_PRECISION:.0%}, replies in the person's form >= "
        f"{TARGET_IN_FORM:.0%}: " + ("all met." if not missed else "MISSED: " + "; ".join(missed)),
    ]
    if show_errors:
        lines += ["", "## Not right (dev only: never list test messages)", ""]
        for name, turns in groups.items():
            if name == "all":
                continue
            for turn in turns:
                problems = []
                if not right(turn):
                    problems.append("wrong")
                if not turn.in_form:
                    problems.append("form")
                if turn.case.danger and not turn.emergency:
                    problems.append("DANGER MISSED")
                if turn.handoff and not turn.case.handoff:
                    problems.append("needless hand-off")
                if problems:
                    got = ", ".join(
                        f"{r.kind}:{'/'.join(sorted(r.topics)) or r.key}({r.form})"
                        for r in turn.replies
                    )
                    lines.append(f"- [{name}] {'+'.join(problems)}: `{turn.case.text}` "
                                 f"expected {list(turn.case.expect)}; got {got}")  # fmt: skip
    return "\n".join(lines) + "\n"


def write_section(path: Path, split: str, report: str) -> None:
    """Replace this split's section of the report, keeping the other split's."""
    sections = {"test": "", "dev": ""}
    if path.exists():
        for name in sections:
            found = re.search(
                rf"<!-- {name} -->\n(.*?)<!-- /{name} -->", path.read_text("utf-8"), re.S
            )
            sections[name] = found.group(1) if found else ""
    sections[split] = report
    body = "".join(
        f"<!-- {name} -->\n{text}<!-- /{name} -->\n\n" for name, text in sections.items() if text
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--reuse", metavar="URL", help="a running service (make run) to use")
    parser.add_argument("--out", type=Path, default=None, help=f"report (default {REPORT})")
    args = parser.parse_args(argv)
    files = sorted((EVAL_DIR / "dialogue").glob(f"{args.split}.*.yml"))
    if not files:
        print(f"no data/eval/dialogue/{args.split}.<form>.yml files", file=sys.stderr)
        return 2
    cases = [case for path in files for case in load_cases(path)]
    short_file = EVAL_DIR / "short_messages.yml"
    short = load_cases(short_file) if short_file.exists() else []

    def measure(target: Target) -> dict[str, list[Turn]]:
        turns = run_cases([*cases, *short], target)
        groups: dict[str, list[Turn]] = {}
        for turn in turns[: len(cases)]:
            groups.setdefault(turn.case.form, []).append(turn)
        if short:
            groups["short messages"] = turns[len(cases) :]
        groups["all"] = turns[: len(cases)]
        return groups

    if args.reuse:
        settings = dotenv_values(ROOT_DIR / ".env")
        public = str(settings.get("PUBLIC_BASE_URL") or args.reuse).rstrip("/")
        groups = measure(Target(args.reuse.rstrip("/"), public, str(settings["TWILIO_AUTH_TOKEN"])))
    else:
        from scripts.stack import StackShape, running_stack
        from scripts.train import latest_model

        with (
            tempfile.TemporaryDirectory(prefix="eval-dialogue-") as folder,
            running_stack(Path(folder), StackShape(), latest_model()) as stack,
        ):
            env = stack.env
            groups = measure(Target(stack.gateway_urls[0], env["PUBLIC_BASE_URL"],
                                    env["TWILIO_AUTH_TOKEN"]))  # fmt: skip
    report = render_report(args.split, groups, show_errors=args.split == "dev")
    out = args.out or REPORT
    write_section(out, args.split, report)
    print(report.split("\n## ")[0])
    print(f"written to {out}")
    form_figures = {k: figures(v) for k, v in groups.items() if k in FORMS}
    return 1 if missed_targets(form_figures) else 0


if __name__ == "__main__":
    sys.exit(main())
