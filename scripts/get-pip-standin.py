# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline stand-in for pip's get-pip.py bootstrap script, for ansible-test.

ansible-test bootstraps pip in each virtual environment it creates by running a
get-pip.py script that it downloads and caches as
~/.ansible/test/cache/get_pip_<version>.py. That download is not reachable
from every machine, so `make sanity` puts this script there instead: it
installs the pip bundled with Python (ensurepip), then pip-installs the
packages ansible-test asked for (e.g. pip==24.2) from the package index.
"""

import os
import subprocess
import sys

# get-pip.py options that `pip install` does not know.
GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}


def main():
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
    env = dict(os.environ)
    env.pop("PIP_CONFIG_FILE", None)
    env.pop("ENSUREPIP_OPTIONS", None)
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    if args:
        subprocess.check_call([sys.executable, "-m", "pip", "install"] + args, env=env)


if __name__ == "__main__":
    main()
