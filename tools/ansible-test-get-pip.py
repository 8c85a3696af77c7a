"""Offline stand-in for ansible-test's pip bootstrap script (get-pip.py).

ansible-test downloads get-pip.py from a host that CI cannot reach. It runs the
script inside each fresh virtualenv with pip's install arguments; ensurepip
gives that virtualenv the pip bundled with Python, which then installs the
exact pip version ansible-test asked for from the package index. The bundled
pip trusts only its own CA list, so it is pointed at the system's, as the pip
it installs does by itself.
"""

import ensurepip
import os
import ssl
import subprocess
import sys

GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")
SYSTEM_CA_BUNDLES = (
    ssl.get_default_verify_paths().cafile,
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
)


def system_ca_options():
    for bundle in SYSTEM_CA_BUNDLES:
        if bundle and os.path.isfile(bundle):
            return ["--cert", bundle]
    return []


ensurepip.bootstrap(upgrade=True)
arguments = [argument for argument in sys.argv[1:] if argument not in GET_PIP_ONLY_OPTIONS]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "--upgrade"] + system_ca_options() + arguments))
