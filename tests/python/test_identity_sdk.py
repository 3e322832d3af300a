"""The official `azure-communication-identity` 1.5.0 against the emulator over HTTPS: the quickstart
flows (create, create with token, custom expiry, every scope, get_token, revoke, delete, the Teams
exchange), the error cases recorded from the live service, every api-version, and retries through the
emulator's fault injection. `/emulator/whoami` says whether a token is still good.
"""

import base64
import json
import re
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.communication.identity import (
    CommunicationIdentityClient,
    CommunicationTokenScope,
    CommunicationUserIdentifier,
)

# The decoder the Python SDKs use for tokens (standard base64 alphabet; see the ACS reference, section 4).
from azure.communication.identity._shared.utils import create_access_token
from library_facts import KNOWN_API_VERSIONS, SCOPES, TEAMS_API_VERSIONS

RECORDINGS = Path(__file__).resolve().parents[1] / "data" / "recordings"
APP_ID = "1fd5e4d0-5a43-4c2b-9d3e-0c6d6b7f2a11"
USER_OID = "a8b7c6d5-1234-4e5f-8a9b-0c1d2e3f4a5b"


def _recorded_errors():
    found = set()
    for path in RECORDINGS.glob("*.json"):
        if path.name == "INDEX.json":
            continue
        for interaction in json.loads(path.read_text(encoding="utf-8")).get("interactions", []):
            response = interaction.get("response") or {}
            body = response.get("body")
            error = body.get("error") if isinstance(body, dict) else None
            if error:
                found.add((response["status"], error["code"], error["message"], error.get("target")))
    return found


RECORDED_ERRORS = _recorded_errors()


def recorded(status, code, message, target=None):
    """An expected error that the live service was recorded sending."""
    key = (status, code, message, target)
    assert key in RECORDED_ERRORS, f"not a recorded service error: {key}"
    return key


def assert_error(excinfo, status, code, message=None, target=None):
    error = excinfo.value
    assert isinstance(error, HttpResponseError)
    assert error.status_code == status, str(error)
    assert error.error is not None, str(error)
    assert error.error.code == code
    if message is not None:
        assert error.error.message == message
    if target is not None:
        assert error.error.target == target


def assert_recorded_error(excinfo, expected):
    status, code, message, target = expected
    assert_error(excinfo, status, code, message, target)


def claims_of(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def b64url(value):
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def entra_token(**overrides):
    now = int(time.time())
    claims = {
        "aud": "https://communication.azure.com",
        "iat": now - 60,
        "nbf": now - 60,
        "exp": now + 3600,
        "appid": APP_ID,
        "oid": USER_OID,
        "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47",
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return b64url({"alg": "none", "typ": "JWT"}) + "." + b64url(claims) + "."


@pytest.fixture(scope="session")
def resource_id(emulator):
    status, health = emulator.get("/emulator/health")
    assert status == 200
    assert health["tls"] is True
    return health["resourceId"]


@pytest.fixture
def client(emulator):
    return CommunicationIdentityClient.from_connection_string(emulator.connection_string)


def user_pattern(resource_id):
    return re.compile(rf"^8:acs:{resource_id}_[0-9a-f]{{8}}(-[0-9a-f]{{4}}){{3}}-[0-9a-f]{{12}}$")


def assert_good(emulator, token, user_id, scopes):
    status, body = emulator.whoami(token)
    assert status == 200, body
    assert body["id"] == user_id
    assert body["scopes"] == scopes


def assert_refused(emulator, token, reason):
    status, body = emulator.whoami(token)
    assert status == 401, body
    assert body["error"]["innererror"]["code"] == reason


EXPIRES_ON = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$")


def expires_on_of(access_token):
    """The SDK hands the service's `expiresOn` text through unparsed (its model types it `str`), so
    users see exactly the wire format: seven fractional digits and an offset."""
    assert EXPIRES_ON.match(access_token.expires_on), access_token.expires_on
    return datetime.fromisoformat(access_token.expires_on)


def assert_lifetime(access_token, minutes, called_at):
    expires_on = expires_on_of(access_token)
    assert abs(expires_on.timestamp() - (called_at + minutes * 60)) < 5, expires_on
    assert abs(claims_of(access_token.token)["exp"] - expires_on.timestamp()) < 1


# ---------------------------------------------------------------------------------------------------
# The quickstart


def test_create_user(client, resource_id):
    a = client.create_user()
    b = client.create_user()
    assert isinstance(a, CommunicationUserIdentifier)
    assert user_pattern(resource_id).match(a.properties["id"])
    assert a.raw_id == a.properties["id"]
    assert a.properties["id"] != b.properties["id"]


def test_create_user_and_token(client, emulator, resource_id):
    called_at = time.time()
    user, token = client.create_user_and_token([CommunicationTokenScope.VOIP])
    user_id = user.properties["id"]
    assert user_pattern(resource_id).match(user_id)
    assert_lifetime(token, 1440, called_at)
    claims = claims_of(token.token)
    assert claims["skypeid"] == "acs:" + user_id[len("8:acs:"):]
    assert claims["acsScope"] == "voip"
    assert claims["resourceId"] == resource_id
    assert_good(emulator, token.token, user_id, ["voip"])


def test_the_python_token_decoder_reads_every_token(client):
    # The SDK's decoder uses the standard base64 alphabet: a payload whose base64url has '-' or '_'
    # breaks it. Many tokens, so that ids with every character pattern go through it.
    for _ in range(20):
        user, token = client.create_user_and_token(SCOPES)
        decoded = create_access_token(token.token)
        assert decoded.expires_on == claims_of(token.token)["exp"]
        assert "-" not in token.token.split(".")[1] and "_" not in token.token.split(".")[1]


@pytest.mark.parametrize("minutes", [60, 1440])
def test_custom_expiry(client, emulator, minutes):
    called_at = time.time()
    user, token = client.create_user_and_token(["chat"], token_expires_in=timedelta(minutes=minutes))
    assert_lifetime(token, minutes, called_at)
    called_at = time.time()
    issued = client.get_token(user, ["chat"], token_expires_in=timedelta(minutes=minutes))
    assert_lifetime(issued, minutes, called_at)
    assert_good(emulator, issued.token, user.properties["id"], ["chat"])


@pytest.mark.parametrize("minutes", [59, 1441])
def test_custom_expiry_out_of_range(client, minutes):
    expected = recorded(
        400,
        "ValidationError",
        f"ExpiresInMinutes value {minutes} is invalid. Value must be within the [60, 1440] interval.",
        "ExpiresInMinutes",
    )
    with pytest.raises(HttpResponseError) as excinfo:
        client.create_user_and_token(["chat"], token_expires_in=timedelta(minutes=minutes))
    assert_recorded_error(excinfo, expected)
    user = client.create_user()
    with pytest.raises(HttpResponseError) as excinfo:
        client.get_token(user, ["chat"], token_expires_in=timedelta(minutes=minutes))
    assert_recorded_error(excinfo, expected)


def test_every_scope(client, emulator):
    user = client.create_user()
    user_id = user.properties["id"]
    for scope in CommunicationTokenScope:
        token = client.get_token(user, [scope])
        assert claims_of(token.token)["acsScope"] == scope.value
        assert_good(emulator, token.token, user_id, [scope.value])
    assert sorted(s.value for s in CommunicationTokenScope) == sorted(SCOPES)
    every = client.get_token(user, SCOPES)
    assert claims_of(every.token)["acsScope"] == ",".join(SCOPES)
    assert_good(emulator, every.token, user_id, SCOPES)
    created_user, created = client.create_user_and_token(list(CommunicationTokenScope))
    assert_good(emulator, created.token, created_user.properties["id"], [s.value for s in CommunicationTokenScope])


def test_revoke_tokens(client, emulator):
    user, first = client.create_user_and_token(["voip"])
    user_id = user.properties["id"]
    second = client.get_token(user, ["chat"])
    assert_good(emulator, first.token, user_id, ["voip"])
    client.revoke_tokens(user)
    assert_refused(emulator, first.token, "TokenRevoked")
    assert_refused(emulator, second.token, "TokenRevoked")
    third = client.get_token(user, ["voip"])
    assert_good(emulator, third.token, user_id, ["voip"])


def test_delete_user(client, emulator, resource_id):
    user, token = client.create_user_and_token(["chat"])
    user_id = user.properties["id"]
    client.delete_user(user)
    assert_refused(emulator, token.token, "IdentityDeleted")
    for call in (
        lambda: client.get_token(user, ["chat"]),
        lambda: client.revoke_tokens(user),
        lambda: client.delete_user(user),
    ):
        with pytest.raises(ResourceNotFoundError) as excinfo:
            call()
        assert_error(excinfo, 404, "IdentityNotFound", f"Identity '{user_id}' was not found.")


# ---------------------------------------------------------------------------------------------------
# Teams users


def test_teams_exchange(client, emulator):
    exp = int(time.time()) + 2 * 3600
    token = client.get_token_for_teams_user(entra_token(exp=exp), APP_ID, USER_OID)
    assert int(expires_on_of(token).timestamp()) == exp
    claims = claims_of(token.token)
    assert claims["skypeid"] == "orgid:" + USER_OID
    assert create_access_token(token.token).expires_on == exp
    status, body = emulator.whoami(token.token)
    assert status == 200, body
    assert body["id"] == "8:orgid:" + USER_OID
    assert body["kind"] == "microsoftTeamsUser"


@pytest.mark.parametrize(
    "aad_token",
    [
        "",
        "garbage",
        entra_token(exp=int(time.time()) - 60),
        entra_token(appid=None),
        entra_token(oid=None),
    ],
    ids=["empty", "not-a-jwt", "expired", "no-appid", "no-oid"],
)
def test_teams_exchange_bad_token(client, aad_token):
    with pytest.raises(HttpResponseError) as excinfo:
        client.get_token_for_teams_user(aad_token, APP_ID, USER_OID)
    assert_recorded_error(excinfo, recorded(401, "InvalidAccessToken", "Provided access token is not valid."))


@pytest.mark.parametrize(
    "app_id,user_id,expected",
    [
        ("", USER_OID, (400, "ValidationError", "AppId: The AppId field is required.", "AppId")),
        (APP_ID, "", (400, "ValidationError", "UserId: The UserId field is required.", "UserId")),
        ("invalid", USER_OID, (400, "ValidationError", "Provided AppId has invalid format.", "appId")),
        (APP_ID, "invalid", (400, "ValidationError", "Provided UserId has invalid format.", "userId")),
        (str(uuid.uuid4()), USER_OID, (400, "ValidationError", "AAD application is not the expected one.", "appId")),
        (APP_ID, str(uuid.uuid4()), (400, "ValidationError", "Provided AAD token issued for unexpected user.", "userId")),
    ],
    ids=["empty-app", "empty-user", "bad-app", "bad-user", "other-app", "other-user"],
)
def test_teams_exchange_refusals(client, app_id, user_id, expected):
    with pytest.raises(HttpResponseError) as excinfo:
        client.get_token_for_teams_user(entra_token(), app_id, user_id)
    assert_recorded_error(excinfo, recorded(*expected))


# ---------------------------------------------------------------------------------------------------
# Recorded error cases


def test_identity_of_another_resource(client):
    foreign = CommunicationUserIdentifier(
        "8:acs:00000000-1111-4222-8333-444444444444_00000000-0000-4000-8000-000000000001"
    )
    expected = recorded(401, "IdentityNotOwned", "Provided identity doesn't belong to the resource.")
    for call in (
        lambda: client.get_token(foreign, ["chat", "voip"]),
        lambda: client.revoke_tokens(foreign),
        lambda: client.delete_user(foreign),
    ):
        with pytest.raises(HttpResponseError) as excinfo:
            call()
        assert_recorded_error(excinfo, expected)


def test_no_scopes(client):
    user = client.create_user()
    # The Python SDK sends {"scopes": null, "expiresInMinutes": null}, as recorded.
    with pytest.raises(HttpResponseError) as excinfo:
        client.get_token(user, None)
    assert_recorded_error(excinfo, recorded(400, "ValidationError", "Scopes: The Scopes field is required.", "Scopes"))
    with pytest.raises(HttpResponseError) as excinfo:
        client.get_token(user, [])
    assert_recorded_error(
        excinfo, recorded(400, "ValidationError", "Invalid scopes - Scopes field is required.", "scopes")
    )


def test_create_user_and_token_without_scopes(client):
    # Python sends {"createTokenWithScopes": null, "expiresInMinutes": null}; the service answers 201
    # with the identity only (recorded), on which this SDK version then fails reading `accessToken`.
    seen = []
    with pytest.raises(AttributeError):
        client.create_user_and_token(None, raw_response_hook=seen.append)
    response = seen[0].http_response
    assert response.status_code == 201
    assert list(json.loads(response.text())) == ["identity"]


def test_wrong_key_is_denied(emulator):
    wrong = base64.b64encode(bytes(64)).decode()
    impostor = CommunicationIdentityClient.from_connection_string(f"endpoint={emulator.url}/;accesskey={wrong}")
    with pytest.raises(HttpResponseError) as excinfo:
        impostor.create_user()
    assert_error(excinfo, 401, "Denied")
    assert emulator.access_key not in str(excinfo.value)


# ---------------------------------------------------------------------------------------------------
# api-versions and headers


def test_default_version_and_headers(client):
    seen = []
    user = client.create_user(raw_response_hook=lambda r: seen.append(r))
    assert user.properties["id"]
    assert len(seen) == 1
    request, response = seen[0].http_request, seen[0].http_response
    assert "api-version=2023-10-01" in request.url
    assert response.status_code == 201
    assert request.headers["x-ms-return-client-request-id"] == "true"
    assert response.headers["x-ms-client-request-id"] == request.headers["x-ms-client-request-id"]
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers.get("MS-CV")
    assert "2023-10-01" in response.headers["api-supported-versions"]


VERSIONS = KNOWN_API_VERSIONS


@pytest.mark.parametrize("api_version", VERSIONS)
def test_quickstart_on_every_version(emulator, api_version):
    seen = set()
    hook = lambda r: seen.add(re.search(r"api-version=([^&]+)", r.http_request.url).group(1))  # noqa: E731
    client = CommunicationIdentityClient.from_connection_string(emulator.connection_string, api_version=api_version)
    user, token = client.create_user_and_token(["chat"], token_expires_in=timedelta(hours=1), raw_response_hook=hook)
    assert_good(emulator, token.token, user.properties["id"], ["chat"])
    issued = client.get_token(user, ["voip"], raw_response_hook=hook)
    client.revoke_tokens(user, raw_response_hook=hook)
    assert_refused(emulator, issued.token, "TokenRevoked")
    client.delete_user(user, raw_response_hook=hook)
    assert_refused(emulator, token.token, "IdentityDeleted")
    if api_version not in TEAMS_API_VERSIONS:
        # The service's Teams route lists neither 2021-03-07 nor 2021-11-01 in api-supported-versions.
        with pytest.raises(HttpResponseError) as excinfo:
            client.get_token_for_teams_user(entra_token(), APP_ID, USER_OID, raw_response_hook=hook)
        assert_error(excinfo, 400, "UnsupportedApiVersion")
    else:
        teams = client.get_token_for_teams_user(entra_token(), APP_ID, USER_OID, raw_response_hook=hook)
        assert claims_of(teams.token)["skypeid"] == "orgid:" + USER_OID
    assert seen == {api_version}


# ---------------------------------------------------------------------------------------------------
# Retries (azure-core: POST is retried on 500/503/504 or when Retry-After is sent; DELETE on any
# retryable status and on a dropped connection)


class Attempts:
    """Records each attempt (the hooks run inside the retry loop)."""

    def __init__(self):
        self.statuses = []
        self.request_ids = []
        self.times = []

    def hook(self, pipeline_response):
        self.statuses.append(pipeline_response.http_response.status_code)
        self.request_ids.append(pipeline_response.http_request.headers["x-ms-client-request-id"])
        self.times.append(time.monotonic())


def faulty(fault):
    return {"headers": {"x-emulator-fault": fault}}


def test_503_with_retry_after_is_retried(client, resource_id):
    attempts = Attempts()
    user = client.create_user(raw_response_hook=attempts.hook, **faulty("503"))
    assert user_pattern(resource_id).match(user.properties["id"])
    assert attempts.statuses == [503, 201]
    assert attempts.request_ids[0] == attempts.request_ids[1]
    assert attempts.times[1] - attempts.times[0] >= 0.95


def test_429_with_retry_after_is_retried(client, emulator):
    attempts = Attempts()
    user, token = client.create_user_and_token(["voip"], raw_response_hook=attempts.hook, **faulty("429;retry-after=0"))
    assert attempts.statuses == [429, 201]
    assert_good(emulator, token.token, user.properties["id"], ["voip"])


def test_500_is_retried(client):
    attempts = Attempts()
    user = client.create_user()
    client.get_token(user, ["chat"], raw_response_hook=attempts.hook, **faulty("500;times=2"))
    assert attempts.statuses == [500, 500, 200]


def test_dropped_delete_is_retried(client):
    user = client.create_user()
    attempts = Attempts()
    client.delete_user(user, raw_response_hook=attempts.hook, **faulty("drop"))
    # The dropped attempt has no response, so only the retry reaches the hook.
    assert attempts.statuses == [204]
    with pytest.raises(ResourceNotFoundError):
        client.delete_user(user)


def test_a_fault_that_outlasts_the_retries(client):
    attempts = Attempts()
    with pytest.raises(HttpResponseError) as excinfo:
        client.create_user(raw_response_hook=attempts.hook, **faulty("503;retry-after=0;times=10"))
    assert excinfo.value.status_code == 503
    assert attempts.statuses == [503] * 4  # one try and three retries
