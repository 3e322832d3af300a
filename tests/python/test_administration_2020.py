"""The 2020 SDK, `azure-communication-administration` 1.0.0b4 (api-version 2020-07-20-preview2), in
process against the emulator: the parts of its identity client the quickstart does not use (the
`pstn` scope, revoking only tokens issued before a time, errors).
"""

import time
from datetime import datetime, timezone

import pytest
from azure.communication.administration import CommunicationIdentityClient, CommunicationUser
from azure.core.exceptions import HttpResponseError


@pytest.fixture
def client(emulator):
    return CommunicationIdentityClient.from_connection_string(emulator.connection_string)


def refusal(emulator, token):
    status, body = emulator.whoami(token)
    return status if status == 200 else body["error"]["innererror"]["code"]


def test_issue_with_the_2020_scopes(client, emulator):
    user = client.create_user()
    assert isinstance(user, CommunicationUser)
    for scopes in (["voip"], ["chat"], ["pstn"], ["chat", "voip", "pstn"]):
        token = client.issue_token(user, scopes)
        # The 2020 SDK parses expiresOn into a datetime.
        assert isinstance(token.expires_on, datetime)
        assert abs(token.expires_on.timestamp() - time.time() - 24 * 3600) < 5
        status, body = emulator.whoami(token.token)
        assert status == 200, body
        assert body["id"] == user.identifier
        assert body["scopes"] == scopes


def test_revoke_tokens_issued_before_a_time(client, emulator):
    user = client.create_user()
    before = client.issue_token(user, ["voip"]).token
    time.sleep(0.01)
    cut = datetime.now(timezone.utc)
    time.sleep(0.01)
    after = client.issue_token(user, ["chat"]).token
    sent = []
    # The SDK sends {"tokensValidFrom": "<ISO time>"} in a PATCH.
    client.revoke_tokens(user, issued_before=cut, raw_request_hook=lambda r: sent.append(r.http_request))
    assert sent[0].method == "PATCH"
    assert "tokensValidFrom" in sent[0].body
    assert refusal(emulator, before) == "TokenRevoked"
    assert refusal(emulator, after) == 200
    client.revoke_tokens(user)
    assert refusal(emulator, after) == "TokenRevoked"
    client.delete_user(user)
    assert refusal(emulator, after) == "IdentityDeleted"


def test_errors(client, emulator):
    user = client.create_user()
    client.delete_user(user)
    with pytest.raises(HttpResponseError) as excinfo:
        client.issue_token(user, ["voip"])
    assert excinfo.value.status_code == 404
    with pytest.raises(HttpResponseError) as excinfo:
        client.issue_token(CommunicationUser("8:acs:00000000-1111-4222-8333-444444444444_1"), ["voip"])
    assert excinfo.value.status_code == 401
    assert "Provided identity doesn't belong to the resource." in str(excinfo.value)
    with pytest.raises(HttpResponseError) as excinfo:
        client.issue_token(client.create_user(), ["nope"])
    assert excinfo.value.status_code == 400
