# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The docs tests reuse the integration harness (tests/integration/conftest.py):
``devserver``, ``run_playbook``, ``collections_root``. It is loaded under its own
module name so that both conftest files can live in one pytest session."""

from __future__ import annotations

import importlib.util
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_PATH = os.path.join(os.path.dirname(_HERE), "integration", "conftest.py")

if "secretops_integration_conftest" in sys.modules:
    _harness = sys.modules["secretops_integration_conftest"]
else:
    _spec = importlib.util.spec_from_file_location("secretops_integration_conftest", _PATH)
    _harness = importlib.util.module_from_spec(_spec)
    sys.modules["secretops_integration_conftest"] = _harness
    _spec.loader.exec_module(_harness)

if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

devserver_factory = _harness.devserver_factory
devserver = _harness.devserver
collections_root = _harness.collections_root
run_playbook = _harness.run_playbook
