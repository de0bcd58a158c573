"""Schemathesis hooks of the fuzz layer (loaded through SCHEMATHESIS_HOOKS by test_api_fuzz.py).

A generated contest in `registration: roster` mode whose rounds span today (years 1 to 9999 make
that likely) would close registration for every unit without a roster on the cluster that all the
security tests share (SPEC 2), and the later tests register contestants. The fuzzer still sends
every other setting as generated; roster mode has its own end-to-end tests (tests/e2e/test_rosters.py).
"""
import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs):
    body = case.body
    settings = body.get("settings") if isinstance(body, dict) else None
    if isinstance(settings, dict) and settings.get("registration") == "roster":
        settings["registration"] = "open"
