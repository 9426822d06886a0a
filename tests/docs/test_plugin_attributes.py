# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ansible-doc shows every module's attributes and every plugin's requirements."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

MODULES = ("item", "generic_item", "item_info", "field_info", "vault_info")
WRITERS = ("item", "generic_item")
LOOKUPS = ("secret", "item")


def _doc(collections_root, kind, name):
    ansible_doc = os.path.join(os.path.dirname(sys.executable), "ansible-doc")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_root))
    out = subprocess.run([ansible_doc, "-t", kind, "--json", "secretops.onepassword." + name],
                         env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out)["secretops.onepassword." + name]["doc"]


@pytest.mark.parametrize("name", MODULES)
def test_module_attributes_and_requirements(collections_root, name):
    doc = _doc(collections_root, "module", name)
    attributes = doc["attributes"]
    assert set(attributes) >= {"check_mode", "diff_mode", "platform", "action_group"}, attributes
    assert attributes["check_mode"]["support"] == "full"
    assert attributes["diff_mode"]["support"] == ("full" if name in WRITERS else "N/A")
    assert attributes["platform"]["platforms"] == "posix"
    assert attributes["action_group"]["membership"] == ["secretops.onepassword.connect"]
    assert all(a["description"] for a in attributes.values()), attributes
    assert any(r.startswith("requests") and "target" in r for r in doc["requirements"]), doc["requirements"]


@pytest.mark.parametrize("name", LOOKUPS)
def test_lookup_requirements(collections_root, name):
    requirements = _doc(collections_root, "lookup", name)["requirements"]
    assert any(r.startswith("requests") and "controller" in r for r in requirements), requirements
    assert any("cryptography" in r and "openssh" in r for r in requirements) == (name == "secret"), requirements
