"""The official Python Entra ID stack against the emulator as authority: `azure-identity`'s
`ClientSecretCredential` (authority = the emulator, instance discovery off) with the official
`azure-communication-identity` client runs the quickstart over HTTPS against
`acs-emulator --tls ... --entra-* --disable-local-auth`, so every call is proved to use a bearer token; a
wrong secret fails with Entra's AADSTS7000215; an access-key client is refused.
"""

import base64
import json
import os
import shutil

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.communication.identity import CommunicationIdentityClient, CommunicationTokenScope
from azure.identity import ClientSecretCredential

from conftest import start_emulator, stop_emulator

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "0b7e5f3a-9c41-4d2e-8f6a-1c2d3e4f5a6b"
SECRET = "emulator~client.secret_0123456789"


@pytest.fixture(scope="module")
def entra_emulator():
    emu, workdir = start_emulator(
        "--entra-tenant-id", TENANT,
        "--entra-client-id", CLIENT,
        "--entra-client-secret", SECRET,
        "--disable-local-auth",
    )
    saved = {name: os.environ.get(name) for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")}
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
        shutil.rmtree(workdir, ignore_errors=True)
        assert code == 0, f"the emulator exited with {code}"


def credential(emu, secret=SECRET, authority=None):
    port = emu.url.rsplit(":", 1)[1]
    return ClientSecretCredential(
        TENANT,
        CLIENT,
        secret,
        authority=authority or f"https://localhost:{port}",
        disable_instance_discovery=True,
    )


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_the_start_line_names_the_authority_and_tenant(entra_emulator):
    assert entra_emulator.authority_host == entra_emulator.url
    assert entra_emulator.tenant_id == TENANT


def test_the_official_client_runs_the_quickstart_with_bearer_tokens_only(entra_emulator):
    emu = entra_emulator
    _, before = emu.get("/emulator/entra/stats")
    client = CommunicationIdentityClient(emu.url, credential(emu))
    user = client.create_user()
    token = client.get_token(user, [CommunicationTokenScope.VOIP])
    assert claims(token.token)["acsScope"] == "voip"
    assert emu.whoami(token.token)[0] == 200
    client.revoke_tokens(user)
    assert emu.whoami(token.token)[0] == 401, "revoke_tokens reached the emulator"
    client.delete_user(user)
    with pytest.raises(ResourceNotFoundError):
        client.get_token(user, [CommunicationTokenScope.VOIP])
    _, after = emu.get("/emulator/entra/stats")
    assert after["tokenRequests"] > before["tokenRequests"], "the credential asked the emulator's authority"
    # The credential's token is the emulator's Entra token for ACS.
    entra = credential(emu).get_token("https://communication.azure.com//.default")
    c = claims(entra.token)
    assert (c["aud"], c["tid"], c["azp"]) == ("https://communication.azure.com", TENANT, CLIENT)
    # The issuer is on the authority host the credential was given.
    port = emu.url.rsplit(":", 1)[1]
    assert c["iss"] == f"https://localhost:{port}/{TENANT}/v2.0"
    assert SECRET not in emu.logs()


def test_the_authority_may_be_given_as_127_0_0_1(entra_emulator):
    emu = entra_emulator
    client = CommunicationIdentityClient(emu.url, credential(emu, authority=emu.url))
    user = client.create_user()
    client.delete_user(user)


def test_a_wrong_secret_fails_with_aadsts7000215(entra_emulator):
    wrong = "not-the-secret~0123456789abcdef"
    client = CommunicationIdentityClient(entra_emulator.url, credential(entra_emulator, secret=wrong))
    with pytest.raises(ClientAuthenticationError) as excinfo:
        client.create_user()
    message = str(excinfo.value)
    assert "AADSTS7000215" in message, message
    assert "\r\nTrace ID: " in message and "\r\nCorrelation ID: " in message, message
    assert wrong not in message and SECRET not in message


def test_an_access_key_client_is_refused(entra_emulator):
    client = CommunicationIdentityClient.from_connection_string(entra_emulator.connection_string)
    with pytest.raises(HttpResponseError) as excinfo:
        client.create_user()
    assert excinfo.value.status_code == 401
    assert excinfo.value.error.code == "Denied"
    assert "Local authentication" in excinfo.value.error.message
