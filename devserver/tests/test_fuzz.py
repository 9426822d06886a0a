"""Property tests: arbitrary bodies, patches and filters get 200/400 answers, never a 500."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_scalars = st.none() | st.booleans() | st.integers(-5, 100) | st.text(max_size=12)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(["title", "category", "fields", "value", "type", "purpose", "id", "tags", "urls", "href",
                     "section", "sections", "generate", "recipe", "length", "characterSets", "label", "vault",
                     "favorite", "x"]), inner, max_size=5), max_leaves=12)

field_like = st.fixed_dictionaries({}, optional={
    "label": st.text(max_size=8), "value": json_scalars, "type": st.sampled_from(["STRING", "OTP", "DATE", "MONTH_YEAR", "CONCEALED", "bad", 3]),
    "purpose": st.sampled_from(["", "USERNAME", "PASSWORD", "NOTES", "X"]), "generate": st.booleans(),
    "recipe": st.fixed_dictionaries({}, optional={"length": st.integers(-2, 70), "characterSets": st.lists(
        st.sampled_from(["LETTERS", "DIGITS", "SYMBOLS", "NOPE"]), max_size=3), "excludeCharacters": st.text(max_size=5)}),
})
item_like = st.fixed_dictionaries({"category": st.sampled_from(["LOGIN", "PASSWORD", "CUSTOM", "login", "??"])}, optional={
    "title": json_scalars, "fields": st.lists(field_like, max_size=4), "tags": st.lists(json_scalars, max_size=3),
})
patch_op = st.fixed_dictionaries({"op": st.sampled_from(["add", "remove", "replace", "copy"]),
                                  "path": st.sampled_from(["/", "/title", "/tags/0", "/tags/-", "/fields", "/fields/password",
                                                           "/fields/password/value", "/fields/nope/label", "/version", "/x/y",
                                                           "/tags/01", "fields"])},
                                 optional={"value": json_values})

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(body=json_values | item_like)
def test_any_create_body_is_200_or_400(server, client, body):
    vault = server.vault_id("Empty")
    r = client.post("/v1/vaults/%s/items" % vault, json=body)
    assert r.status_code in (200, 400), r.body
    if r.status_code == 200:
        client.delete("/v1/vaults/%s/items/%s" % (vault, r.body["id"]))


@SETTINGS
@given(ops=st.lists(patch_op, max_size=4) | json_values)
def test_any_patch_is_200_or_400(server, client, ops):
    vault = server.vault_id("Empty")
    created = client.post("/v1/vaults/%s/items" % vault, json={
        "title": "fuzz", "category": "LOGIN", "tags": ["a"], "fields": [{"purpose": "PASSWORD", "value": "p"}]}).body
    try:
        r = client.patch("/v1/vaults/%s/items/%s" % (vault, created["id"]), json=ops)
        assert r.status_code in (200, 400), r.body
        if r.status_code == 400:
            assert client.get("/v1/vaults/%s/items/%s" % (vault, created["id"])).body["version"] == 1
    finally:
        client.delete("/v1/vaults/%s/items/%s" % (vault, created["id"]))


@SETTINGS
@given(text=st.text(alphabet='titleqcongsw "\\\\x%+', max_size=30))
def test_any_filter_is_200_or_400(server, client, text):
    r = client.get("/v1/vaults/%s/items" % server.vault_id("Dev"), params={"filter": text})
    assert r.status_code in (200, 400), r.body
