# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""item_info (reveal, field) and field_info: the value is absent from the
-vvvv output of ansible-playbook but usable through register."""

from __future__ import annotations

import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOK = os.path.join(HERE, "playbooks", "modules", "info_output.yml")
VAULT = "InfoOutput"
SECRET = "Inf0-0utput-s3cret!"
HIDDEN = "the output has been hidden"


def test_info_modules_hide_values_but_register_them(devserver, run_playbook, tmp_path):
    seed = tmp_path / "seed.yml"
    seed.write_text(json.dumps({"vaults": [{"name": VAULT, "items": [{"title": "web", "category": "LOGIN", "fields": [
        {"id": "username", "label": "username", "purpose": "USERNAME", "type": "STRING", "value": "info-user"},
        {"id": "password", "label": "password", "purpose": "PASSWORD", "type": "CONCEALED", "value": SECRET},
    ]}]}]}))
    devserver.seed(str(seed))

    res = run_playbook(PLAYBOOK, verbosity=4, extra_vars={
        "info_vault": VAULT, "info_sha256": hashlib.sha256(SECRET.encode("utf-8")).hexdigest()})
    output = res.stdout + res.stderr
    # The assertions on the registered values passed, so each task returned the value.
    assert res.rc == 0 and res.recap["localhost"]["ok"] == 5 and res.recap["localhost"]["failed"] == 0, output
    assert SECRET not in output
    # The three tasks that return the value are censored; the metadata-only one is shown.
    assert output.count(HIDDEN) == 3, output
    assert '"has_value": true' in output and "info-user" not in output
