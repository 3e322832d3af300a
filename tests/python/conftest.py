"""Starts the emulator (target/release/acs-emulator) over HTTPS for the Python suites.

The Python SDKs always talk https (they drop the connection string's scheme), so the emulator runs with
`--tls`, and the certificate it writes is what `requests` trusts (REQUESTS_CA_BUNDLE, SSL_CERT_FILE).
"""

import json
import os
import re
import signal
import ssl
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
EMULATOR = REPO_ROOT / "target" / "release" / "acs-emulator"
# With --entra-*, the line ends with "; entra authority host: <url>; tenant: <id>".
START_LINE = re.compile(
    r"^acs-emulator listening on (\S+); connection string: (\S+?)"
    r"(?:; entra authority host: (\S+); tenant: (\S+))?$"
)


class Emulator:
    """A running emulator: its URL, connection string, certificate file and log."""

    def __init__(self, url, connection_string, cert_file, process, log_file, authority_host=None, tenant_id=None):
        self.url = url
        self.authority_host = authority_host
        self.tenant_id = tenant_id
        self.connection_string = connection_string
        self.access_key = connection_string.split("accesskey=", 1)[1]
        self.cert_file = cert_file
        self.process = process
        self.log_file = log_file
        self._ssl = ssl.create_default_context(cafile=cert_file)

    def get(self, path, token=None):
        """GET an emulator endpoint (`/emulator/...`): (status, JSON body)."""
        request = urllib.request.Request(self.url + path)
        if token is not None:
            request.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(request, context=self._ssl, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def whoami(self, token):
        return self.get("/emulator/whoami", token)

    def logs(self):
        return Path(self.log_file).read_text(encoding="utf-8", errors="replace")


def start_emulator(*extra_args, timeout=15.0):
    if not EMULATOR.exists():
        raise RuntimeError(
            f"acs-emulator is not built ({EMULATOR} is missing): "
            "run `cargo build --release -p acs-emulator` in the repository root"
        )
    workdir = tempfile.mkdtemp(prefix="acs-emulator-py-")
    cert_file = os.path.join(workdir, "emulator.pem")
    out_path = os.path.join(workdir, "stdout.txt")
    log_path = os.path.join(workdir, "stderr.txt")
    with open(out_path, "wb") as out, open(log_path, "wb") as err:
        process = subprocess.Popen(
            [str(EMULATOR), "--port", "0", "--tls", cert_file, *extra_args],
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
    deadline = time.monotonic() + timeout
    line = None
    while time.monotonic() < deadline:
        text = Path(out_path).read_text(encoding="utf-8")
        if "\n" in text:
            line = text.split("\n", 1)[0].strip()
            break
        if process.poll() is not None:
            break
        time.sleep(0.02)
    match = START_LINE.match(line or "")
    if not match:
        process.kill()
        process.wait()
        raise RuntimeError(
            f"acs-emulator did not start (line {line!r}); logs:\n{Path(log_path).read_text(errors='replace')}"
        )
    emu = Emulator(match.group(1), match.group(2), cert_file, process, log_path, match.group(3), match.group(4))
    return emu, workdir


def stop_emulator(emulator):
    process = emulator.process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


@pytest.fixture(scope="session")
def emulator():
    emu, workdir = start_emulator("--faults")
    saved = {name: os.environ.get(name) for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")}
    # requests reads REQUESTS_CA_BUNDLE on every request (azure-core's transport passes verify=True).
    os.environ["REQUESTS_CA_BUNDLE"] = emu.cert_file
    os.environ["SSL_CERT_FILE"] = emu.cert_file
    try:
        yield emu
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        code = stop_emulator(emu)
        for name in os.listdir(workdir):
            os.remove(os.path.join(workdir, name))
        os.rmdir(workdir)
        assert code == 0, f"the emulator exited with {code}"
