# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input: property tests on the connection options and the item spec
(what tests/unit does not already cover), bad module input through a real
run (clear error, nothing written), and connect-dev driven by schemathesis
from the Connect OpenAPI description (no 5xx, errors are JSON {status, message})."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.errors import Unsatisfiable

from conftest import REPO, distinctive  # (loading conftest puts the collection on sys.path)

from ansible_collections.secretops.onepassword.plugins.module_utils import _errors, _item_plan, _item_spec, _options  # noqa: E402
from ansible_collections.secretops.onepassword.plugins.module_utils._settings import normalize_retries  # noqa: E402

QUICK = settings(max_examples=int(os.environ.get("HARDENING_EXAMPLES", "100")), deadline=None, database=None,
                 suppress_health_check=list(HealthCheck))
TOKEN = distinctive("tok")

json_leaf = st.none() | st.booleans() | st.integers(-10 ** 6, 10 ** 6) | st.floats(allow_nan=True) | st.text(max_size=20)
json_any = st.recursive(
    json_leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8)


# -- connection options ----------------------------------------------------------
option_values = {
    "host": st.none() | st.text(max_size=30) | st.sampled_from(["http://127.0.0.1:1", "https://h:99999", "ftp://x",
                                                                "http://u:p@h", "http://h/v1/", "http://[::1", "http://h?q"])
    | json_any,
    "token": st.none() | st.just(TOKEN) | st.builds(lambda s: TOKEN + s, st.text(max_size=5)) | json_leaf,
    "validate_certs": json_any,
    "ca_path": st.none() | st.text(max_size=20) | json_leaf,
    "client_cert": st.none() | st.text(max_size=20) | json_leaf,
    "client_key": st.none() | st.text(max_size=20) | json_leaf,
    "timeout": json_any,
    "retries": json_any | st.dictionaries(st.sampled_from(sorted(normalize_retries(3))) | st.text(max_size=5), json_any,
                                          max_size=3).map(lambda d: json.dumps(d) if len(d) % 2 else d),
    "proxies": json_any,
}


@QUICK
@given(values=st.fixed_dictionaries({}, optional=option_values))
def test_any_connection_options_give_settings_or_a_config_error(values):
    values.setdefault("host", "http://127.0.0.1:8080")
    values.setdefault("token", TOKEN)
    try:
        settings = _options.settings_from_mapping(values)
    except _errors.ConnectConfigError as exc:
        message = str(exc)
        assert message and "Traceback" not in message
        # a token, even a malformed one, is never echoed
        if isinstance(values.get("token"), str) and len(values["token"].strip()) >= 8:
            assert values["token"].strip() not in message, message
        return
    assert settings.host.startswith(("http://", "https://"))
    assert settings.timeout > 0
    assert isinstance(settings.retries["total"], int) and settings.retries["total"] >= 0
    assert TOKEN not in repr(settings)


@QUICK
@given(value=json_any)
def test_retries_normalized_or_rejected(value):
    try:
        result = normalize_retries(value)
    except _errors.ConnectConfigError as exc:
        assert str(exc).startswith('"retries')
        return
    assert set(result) == set(normalize_retries(3))
    assert all(400 <= code <= 599 for code in result["status_forcelist"])
    assert result["backoff_factor"] >= 0 and result["backoff_max"] >= 0


# -- item spec: module argument spec, then the collection's validation -----------
SECRET_VALUE = distinctive("specvalue")
text = st.text(max_size=12) | st.sampled_from(["password", "PASSWORD", "username", "notes", "CONCEALED", "string",
                                               "OTP", "DATE", "MONTH_YEAR", "email", "s1", "S1", ""])
field = st.fixed_dictionaries({}, optional={
    "label": text, "id": text, "value": st.just(SECRET_VALUE) | text, "purpose": text, "section": text, "type": text,
    "generate": st.sampled_from(["never", "on_create", "always"]),
    "recipe": st.fixed_dictionaries({}, optional={"length": st.integers(-5, 100), "character_sets": st.lists(text, max_size=3),
                                                  "exclude_characters": text, "include_symbols": st.booleans()}),
})
item_params = st.fixed_dictionaries({"title": text}, optional={
    "category": text, "fields": st.lists(field, max_size=4), "urls": st.lists(json_any | text, max_size=3),
    "tags": st.lists(text, max_size=3), "favorite": st.booleans(),
    "sections": st.lists(
        json_any | text | st.fixed_dictionaries({}, optional={"label": json_leaf | text, "id": json_leaf | text}),
        max_size=3),
    "notes": st.just(SECRET_VALUE) | text, "exact": st.booleans(),
})


@QUICK
@given(params=item_params)
def test_item_spec_is_valid_or_a_clear_error(params):
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    validated = ArgumentSpecValidator(_item_spec.item_argument_spec()).validate(dict(params, vault="v"))
    if validated.error_messages:
        return  # AnsibleModule rejects these itself, before the collection's code runs
    try:
        spec = _item_spec.build_spec(validated.validated_parameters)
        body, _generated = _item_plan.plan_create(spec, "a" * 26) if spec["category"] and spec["title"] else (None, None)
    except _errors.ItemSpecError as exc:
        message = str(exc)
        assert message and SECRET_VALUE not in message, message
        return
    if body is not None:
        assert body["title"] == spec["title"]
        assert all("label" in f or "id" in f for f in body.get("fields") or [])


@pytest.mark.parametrize("sections", [[1], [["a"]], [{"label": 5}]], ids=["int", "list", "int-label"])
def test_item_spec_rejects_malformed_sections_clearly(sections):
    with pytest.raises(_errors.ItemSpecError, match=r"sections\[0\]"):
        _item_spec.build_spec({"title": "t", "category": "LOGIN", "sections": sections})


# -- bad module input through a real run: clear error, nothing written -----------
BAD_CASES = [
    {"title": "bad-category", "category": "NO_SUCH_CATEGORY"},
    {"title": "bad-two-passwords", "category": "LOGIN", "fields": [
        {"label": "a", "purpose": "PASSWORD", "value": "__SECRET__"}, {"label": "b", "purpose": "PASSWORD"}]},
    {"title": "bad-recipe", "category": "PASSWORD", "fields": [
        {"label": "password", "generate": "always", "recipe": {"length": 500}}]},
    {"title": "bad-value-and-generate", "category": "PASSWORD", "fields": [
        {"label": "password", "value": "__SECRET__", "generate": "always"}]},
    {"title": "bad-type", "category": "LOGIN", "fields": [{"label": "x", "type": "NOT_A_TYPE", "value": "__SECRET__"}]},
    {"title": "bad-section", "category": "LOGIN", "fields": [{"label": "x", "section": "nowhere", "value": "__SECRET__"}]},
    {"title": "bad-no-category", "fields": [{"label": "x", "value": "__SECRET__"}]},
    {"title": "bad-urls", "category": "LOGIN",
     "urls": [{"href": "https://a", "primary": True}, {"href": "https://b", "primary": True}]},
]


def test_bad_module_input_changes_nothing(run_playbook, hz, proxy_factory, tmp_path):
    proxy = proxy_factory()
    secret = distinctive("badinput")
    cases = json.loads(json.dumps(BAD_CASES).replace("__SECRET__", secret))
    for case in cases:
        case["vault"] = "HardeningWrites"
    result_file = tmp_path / "bad.json"
    before = len(hz.items())
    result = run_playbook(os.path.join(REPO, "tests", "integration", "playbooks", "modules", "cases.yml"),
                          extra_vars={"op_cases": cases, "result_file": str(result_file), "op_ignore_errors": True},
                          env={"OP_CONNECT_HOST": proxy.url})
    outcomes = json.loads(result_file.read_text())
    # cases.yml saves its loop items (with the values) for its tests: remove that on-purpose copy
    result_file.unlink()
    assert len(outcomes) == len(cases), result
    for case, outcome in zip(cases, outcomes):
        assert outcome.get("failed"), (case["title"], outcome)
        message = outcome.get("msg") or ""
        assert message and "Traceback" not in message and secret not in message, (case["title"], message)
        assert "MODULE FAILURE" not in message, (case["title"], message)
    assert "Traceback (most recent call last)" not in result.output
    # (the value does show in the output, but only inside the loop item that
    # cases.yml echoes on a failure: that is the playbook's doing, not the module's)
    writes = [entry for entry in proxy.log if entry[0] in ("POST", "PUT", "PATCH", "DELETE")]
    assert writes == [], writes
    assert len(hz.items()) == before


# -- connect-dev against its OpenAPI description (schemathesis) -----------------
SPEC = os.path.join(REPO, "tests", "data", "connect-openapi.yaml")
ROOT_PATHS = ("/heartbeat", "/health", "/metrics")


@pytest.fixture(scope="module")
def fuzz_target(devserver, seed_dir):
    """A vault of its own for the fuzzer (it writes), with one item and file, and a token for it."""
    path = os.path.join(seed_dir, "fuzz.yml")
    with open(path, "w") as handle:
        json.dump({"vaults": [{"name": "HardeningFuzz", "items": [
            {"title": "target", "category": "LOGIN", "fields": [
                {"id": "password", "label": "password", "purpose": "PASSWORD", "type": "CONCEALED",
                 "value": distinctive("fuzz")}],
             "files": [{"name": "f.txt", "content": distinctive("fuzzfile")}]}]}]}, handle)
    devserver.seed(path)
    token = devserver.token({"HardeningFuzz": "rw"})
    status, _h, vaults = devserver.api("GET", "/v1/vaults", token=token)
    vault_id = next(v["id"] for v in vaults if v["name"] == "HardeningFuzz")
    status, _h, items = devserver.api("GET", "/v1/vaults/%s/items" % vault_id, token=token)
    item_id = items[0]["id"]
    status, _h, files = devserver.api("GET", "/v1/vaults/%s/items/%s/files" % (vault_id, item_id), token=token)
    return {"token": token, "ids": {"vaultUuid": vault_id, "itemUuid": item_id, "fileUuid": files[0]["id"]}}


def _check_answer(response, token):
    status = response.status_code
    assert status < 500, "%s answered %d: %s" % (response.request.url, status, response.text[:300])
    if status >= 400:
        body = response.json()  # errors are JSON ...
        assert isinstance(body, dict) and body.get("status") == status and isinstance(body.get("message"), str), body
        assert token not in response.text


def test_connect_dev_against_the_openapi_description(devserver, fuzz_target):
    schemathesis = pytest.importorskip("schemathesis")
    from schemathesis.generation import GenerationMode

    schema = schemathesis.openapi.from_path(SPEC)
    token = fuzz_target["token"]
    headers = {"Authorization": "Bearer " + token}
    examples = int(os.environ.get("HARDENING_SCHEMA_EXAMPLES", "5"))
    seen = {"calls": 0, "statuses": {}}
    session = __import__("requests").Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        base = devserver.url if operation.path in ROOT_PATHS else devserver.url + "/v1"
        names = [p.name for p in operation.iter_parameters() if p.location == "path"]
        real = dict((name, fuzz_target["ids"][name]) for name in names if name in fuzz_target["ids"])
        strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
        if real:
            strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real))
            strategies.append(operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=real))
        for strategy in strategies:
            @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def check(case):
                response = case.call(base_url=base, headers=headers, session=session, timeout=30)
                seen["calls"] += 1
                seen["statuses"][response.status_code] = seen["statuses"].get(response.status_code, 0) + 1
                _check_answer(response, token)

            try:
                check()
            except Unsatisfiable:
                # e.g. no negative example exists for an operation without parameters
                continue
    assert seen["calls"] >= 50, seen
    # the fuzzer also reached real objects, not only 404s
    assert any(200 <= status < 300 for status in seen["statuses"]), seen
    print("\nschemathesis: %d calls, statuses %s" % (seen["calls"], json.dumps(seen["statuses"], sort_keys=True)))
