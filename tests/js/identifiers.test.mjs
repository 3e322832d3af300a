// Identifiers against the official `@azure/communication-common`: for raw ids of every prefix (and of none),
// `createIdentifierFromRawId` gives the official object's members with the same values (plus `rawId` on the
// kinds whose id is not itself the raw id), and `getIdentifierRawId` gives the official raw id of every
// identifier shape, with or without `rawId`.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as official from "@azure/communication-common";
import { createIdentifierFromRawId, getIdentifierRawId, AcsError } from "acs-identity-edge";

const GUID = "45ab2481-1c1c-4005-be24-0ffb879b1130";
const RAW_IDS = [
  "8:acs:ac5e0000-0000-4000-8000-000000000001_00000001-0000-0000-0000-000000000001",
  "8:spool:ac5e0000-0000-4000-8000-000000000001_00000001",
  "8:dod-acs:ac5e_x",
  "8:gcch-acs:ac5e_x",
  "8:acs:resource_tenant_user",
  "8:gcch-acs:r_t_u",
  "8:dod-acs:r_t_u",
  "8:acs:a_b_c_d",
  "4:+14255550123",
  "4:anonymous",
  "4:+14255550123_abc",
  "4:+1_",
  `8:orgid:${GUID}`,
  `8:teamsvisitor:${GUID}`,
  `8:gcch:${GUID}`,
  `8:dod:${GUID}`,
  `28:orgid:${GUID}`,
  `28:gcch:${GUID}`,
  `28:dod:${GUID}`,
  "28:gcch-global:x",
  "8:gcch-global:x",
  "48:something-else",
  "8:",
  "4:",
  "",
  "orgid:x",
];

/** The official object's own members that have a value. */
function defined(o) {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

test("createIdentifierFromRawId has the official members and values for every kind", () => {
  for (const rawId of RAW_IDS) {
    const ours = createIdentifierFromRawId(rawId);
    const theirs = defined(official.createIdentifierFromRawId(rawId));
    const { rawId: ownRawId, ...rest } = ours;
    assert.deepEqual(rest, theirs, rawId);
    if (ownRawId !== undefined) assert.equal(ownRawId, rawId, `${rawId}: rawId`);
    assert.equal(ownRawId === undefined, ["communicationUser", "unknown"].includes(ours.kind), `${rawId}: rawId present for ${ours.kind}`);
  }
});

test("getIdentifierRawId equals the official raw id of every identifier shape", () => {
  for (const rawId of RAW_IDS) {
    const identifier = defined(official.createIdentifierFromRawId(rawId));
    assert.equal(getIdentifierRawId(identifier), official.getIdentifierRawId(identifier), `${rawId} (official shape)`);
    assert.equal(getIdentifierRawId(createIdentifierFromRawId(rawId)), rawId, `${rawId} (our shape)`);
  }
  const shapes = [
    { phoneNumber: "+14255550123" },
    { phoneNumber: "+14255550123", isAnonymous: true },
    { microsoftTeamsUserId: GUID },
    { microsoftTeamsUserId: GUID, isAnonymous: true },
    { microsoftTeamsUserId: GUID, cloud: "gcch" },
    { microsoftTeamsUserId: GUID, cloud: "dod" },
    { teamsAppId: GUID },
    { teamsAppId: GUID, cloud: "dod" },
    { userId: "u", tenantId: "t", resourceId: "r" },
    { userId: "u", tenantId: "t", resourceId: "r", cloud: "gcch" },
    { communicationUserId: "8:acs:x" },
    { id: "48:x" },
  ];
  for (const shape of shapes) {
    assert.equal(getIdentifierRawId(shape), official.getIdentifierRawId(shape), JSON.stringify(shape));
  }
  for (const bad of [{}, null, 7, "8:acs:x", { phone: "+1" }]) {
    assert.throws(() => getIdentifierRawId(bad), (e) => e instanceof AcsError && e.code === "ERR_INVALID_ARGUMENT" && e.target === "identifier", JSON.stringify(bad));
  }
});
