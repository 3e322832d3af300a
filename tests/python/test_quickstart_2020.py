"""The first published Azure quickstart (Python, 2020) against the emulator, unmodified.

`issue_access_tokens_2020.py` is the program the 2020 "Create and manage access tokens" quickstart has
its readers assemble from its snippets (the include file dated 08/20/2020): the `try` skeleton, then the
client from `COMMUNICATION_SERVICES_CONNECTION_STRING`, create an identity, issue a `voip` token and
print its expiry, revoke, delete, each inside the `try`. (The "refresh" snippet, which names an
undefined `existingIdentity`, is an aside of the page and not part of the program.) It uses
`azure-communication-administration` 1.0.0b4 (api-version 2020-07-20-preview2, signed with `Date`), which
needs `six` on current Python, and runs as a subprocess over HTTPS exactly as a reader would run it.
"""

import base64
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

SCRIPT = Path(__file__).with_name("issue_access_tokens_2020.py")


def payload(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_the_2020_quickstart_prints_its_four_steps(emulator):
    env = dict(os.environ)
    env.update(
        COMMUNICATION_SERVICES_CONNECTION_STRING=emulator.connection_string,
        REQUESTS_CA_BUNDLE=emulator.cert_file,
        SSL_CERT_FILE=emulator.cert_file,
    )
    run = subprocess.run(
        [sys.executable, str(SCRIPT)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=SCRIPT.parent,
    )
    out = run.stdout
    assert run.returncode == 0, run.stderr
    # The script catches every exception and prints it after "Exception:", still exiting 0.
    assert "Exception" not in out, out
    assert "Traceback" not in run.stderr, run.stderr

    lines = [line for line in out.splitlines() if line.strip()]
    assert lines[0] == "Azure Communication Services - Access Tokens Quickstart"
    created = re.fullmatch(r"Created an identity with ID: (8:acs:[0-9a-f-]+_[0-9a-f-]+):", lines[1])
    assert created, lines[1]
    user_id = created.group(1)
    issued = re.fullmatch(
        r"Issued an access token with 'voip' scope that expires at "
        r"(\d\d/\d\d/\d\d \d\d:\d\d \d\d [AP]M):",
        lines[2],
    )
    assert issued, lines[2]
    token = lines[3]
    assert lines[4] == "Successfully revoked all access tokens for identity with ID: " + user_id
    assert lines[5] == "Deleted the identity with ID: " + user_id
    assert len(lines) == 6, out

    # The printed expiry is the token's: 24 hours, printed as '%d/%m/%y %I:%M %S %p' in UTC.
    claims = payload(token)
    assert claims["skypeid"] == "acs:" + user_id[len("8:acs:"):]
    assert claims["acsScope"] == "voip"
    printed = datetime.strptime(issued.group(1), "%d/%m/%y %I:%M %S %p").replace(tzinfo=timezone.utc)
    assert abs(printed.timestamp() - claims["exp"]) < 1.5
    assert abs(claims["exp"] - claims["iat"] - 24 * 3600) <= 1

    # The identity is gone and its token with it.
    status, body = emulator.whoami(token)
    assert status == 401
    assert body["error"]["innererror"]["code"] == "IdentityDeleted"

    # It spoke the 2020 API: 200 on create, /token, PATCH to revoke.
    logs = emulator.logs()
    for route, status in [
        ("POST /identities", 200),
        ("POST /identities/{id}/token", 200),
        ("PATCH /identities/{id}", 204),
        ("DELETE /identities/{id}", 204),
    ]:
        assert f'route="{route}" status={status}' in logs, route
