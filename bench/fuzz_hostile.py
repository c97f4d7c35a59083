"""Hostile-input fuzz over every route of the web app (issue 16, finding 6).

Walks ``app.url_map`` and sends each route, as every role and anonymously, the inputs that
once gave server errors: JSON nested 5,000 deep, integers of 5,000 digits, lone surrogates
and NULs in text, dates at year 1 and 9999, and path ids at 2^31, 2^63 and beyond. Prints
how many requests were sent and how many answered ≥ 500, grouped by route and cause.

    .venv/bin/python -m bench.fuzz_hostile --engine both
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import re
import secrets
import tempfile
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from flask import Flask
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from dispatch.bootstrap import bootstrap
from dispatch.config import Settings
from dispatch.services import accounts, complaints, incidents
from dispatch.services.actors import Actor
from web import create_app

ROLES = ("operator", "supervisor", "admin", "agency")
# Raw JSON texts: each stands where a value goes.
JSON_VALUES = (
    '"\\ud800"', '"a\\udfffb"', '"\\u0000"', '"x\\u0000y"', "9" * 5000, "-" + "9" * 5000,
    str(10**30), str(2**63), "9" * 16, str(2**31), "1e999", "NaN", "-Infinity", "[" * 5000 + "]" * 5000,
    '"0001-01-01T00:00:00"', '"9999-12-31T23:59:59"',
)
BODIES = ("[" * 5000 + "]" * 5000, "{" + '"a":{' * 3000 + "}" * 3001, "9" * 5000,
          '{"a":' + "9" * 5000 + "}", '"\\ud800"', '{"\\ud800":1}', '{"\\u0000":1}')
FIELDS = ("description", "text", "lat", "lon", "caller_phone", "address", "category",
          "priority", "call_type", "unit_ids", "unit_id", "from_incident_id", "note",
          "outcome", "message", "public", "action", "reason", "opd_code", "duplicate_of",
          "channel", "reporter_name", "reporter_phone", "reporter_email", "id", "type",
          "station", "tracker", "name", "simulated", "units", "status", "kelurahan")
QUERY_PARAMS = ("status", "limit", "fresh", "text", "from", "to", "category", "district",
                "include_exercise", "start", "end", "opd", "overdue", "state", "start_date",
                "end_date", "service_request_id", "service_code", "next", "lang")
QUERY_VALUES = ("%00", "a%00b", "%ED%A0%80", "0001-01-01", "0001-01-02T00:00:00",
                "9999-12-31", "9999-12-31T23:59:59", "0001-01-01T00:00:00%2B14:00",
                "9999-12-31T23:59:59-12:00", "9" * 5000, str(2**63), "-" + str(2**63))
# Percent-encoded as a client sends them (%ED%A0%80 is the UTF-8 spelling of a surrogate).
FORM_VALUES = ("%00", "a%00b", "%ED%A0%80", "9" * 5000, "1e999", "nan", "0001-01-01")
IDS = (str(2**31), str(2**31 - 1), str(2**63), str(2**63 - 1), str(2**64), "9" * 40, "0")
TEXTS = ("%00", "a%00b", "%ED%A0%80", "9" * 300)


class _Errors(logging.Handler):
    """Collects the exceptions the app's catch-all handler logs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            err = record.exc_info[1]
            self.last = f"{type(err).__name__}: {str(err).splitlines()[0][:100] if str(err) else ''}"


def _paths(rule: Rule, good: dict[str, str]) -> Iterator[str]:
    """The rule's path with each variable in turn hostile, the others good."""
    names = list(rule.arguments)

    def build(values: dict[str, str]) -> str:
        def sub(m: re.Match[str]) -> str:
            return values[m.group(2)]
        return re.sub(r"<(?:([a-z]+)(?:\([^)]*\))?:)?([a-z_]+)>", sub, rule.rule)

    base = {n: good.get(n, "x") for n in names}
    if rule.rule.startswith("/lapor/"):  # the public pages know a ticket by its public id
        base["ticket"] = good["public_ticket"]
    yield build(base)
    for n in names:
        conv = rule._converters[n]
        hostile = (IDS if isinstance(conv, IntegerConverter) else
                   () if isinstance(conv, AnyConverter) else TEXTS)
        for v in hostile:
            yield build({**base, n: v})


@contextlib.contextmanager
def _database(engine: str) -> Iterator[str]:
    if engine == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/fuzz.db"
        return
    from tests.conftest import postgres_database

    with postgres_database() as url:
        yield url


def _seed(rt: Any) -> dict[str, str]:
    """One incident and one complaint, so path ids of real rows are tried too."""
    actor = Actor("operator", "operator", None, "operator")
    inc = incidents.create_incident(rt, {"description": "Kebakaran rumah", "lat": -7.8167,
                                         "lon": 112.0136}, actor)
    created = complaints.create_complaint(
        rt, {"description": "Jalan berlubang besar di depan pasar", "category": "roads",
             "lat": -7.8167, "lon": 112.0136}, "web", None)
    return {"incident_id": str(inc["id"]), "ticket": created["ticket"],
            "public_ticket": created["public_id"], "request_id": created["public_id"],
            "order_id": "x", "phone": "081234567890", "code": "jalan", "name": "phases",
            "delivery_id": "1", "filename": "x.js", "rest": "x", "fmt": "json"}


def run(engine: str) -> tuple[int, Counter[str]]:
    """Fuzz every route on one engine; (requests sent, server errors by route and cause)."""
    with _database(engine) as url:
        rt = bootstrap(Settings(database_url=url, secret_key=secrets.token_hex(16), roads="none",
                                login_rate_address="100000 per minute",
                                login_rate_account="100000 per minute",
                                api_auth_fail_rate="100000 per minute"))
        try:
            app: Flask = create_app(runtime=rt, config={
                "TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                "COMPLAINT_FORM_RATE": "100000/1", "OPEN311_POST_RATE": "100000/1"})
            errors = _Errors()
            app.logger.addHandler(errors)
            headers: dict[str, dict[str, str]] = {"anonymous": {}}
            for role in ROLES:
                accounts.create_user(rt, role, f"{role}-pass-1", role,
                                     opd_code="DISHUB" if role == "agency" else None)
                headers[role] = {"Authorization": f"Bearer {accounts.create_token(rt, role)}"}
            good = _seed(rt)
            client = app.test_client()
            sent, failures = 0, Counter[str]()

            def call(method: str, path: str, who: str, **kw: Any) -> None:
                nonlocal sent
                errors.last = None
                resp = client.open(path, method=method, headers=headers[who], **kw)
                sent += 1
                if resp.status_code >= 500:
                    failures[f"{method} {path[:70]} [{who}] {errors.last}"] += 1

            for rule in app.url_map.iter_rules():
                for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                    for who in ("anonymous", *ROLES):
                        for path in _paths(rule, good):
                            call(method, path, who)
                        base = next(_paths(rule, good))
                        for name in QUERY_PARAMS:
                            for value in QUERY_VALUES:
                                call(method, f"{base}?{name}={value}", who)
                        if method not in ("POST", "PATCH", "PUT"):
                            continue
                        for raw in BODIES:
                            call(method, base, who, data=raw, content_type="application/json")
                        for name in FIELDS:
                            for raw in JSON_VALUES:
                                call(method, base, who, data=f'{{"{name}":{raw}}}',
                                     content_type="application/json")
                            for value in FORM_VALUES:
                                key = headers["admin"]["Authorization"][7:]
                                call(method, base, who, data=f"{name}={value}&api_key={key}",
                                     content_type="application/x-www-form-urlencoded")
            return sent, failures
        finally:
            rt.stop()


def main(argv: list[str] | None = None) -> int:
    """Run the fuzz on the chosen engines and print the counts."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="sqlite")
    args = p.parse_args(argv)
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    worst = 0
    for engine in engines:
        sent, failures = run(engine)
        total = sum(failures.values())
        worst = max(worst, total)
        print(f"{engine}: {sent} requests over every route, "
              f"{total} responses >= 500")
        for key, n in failures.most_common():
            print(f"  {n:5d}  {quote(key, safe=' /[]:?=<>,._-')}")
    return 1 if worst else 0


if __name__ == "__main__":
    raise SystemExit(main())
