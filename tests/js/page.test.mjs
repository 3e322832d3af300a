// The demo page (www/) in headless Chromium against the emulator that serves it: every step by hand, the
// error paths, "Run all steps", keyboard use, phone width, and screenshots into test-output/.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { repoRoot, startEmulator } from "../support/emulator.mjs";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
];
const OUT = join(repoRoot, "test-output");
const WAIT = 15_000;
const STEP = { timeout: 60_000 };

let emulator;
let browser;
let page;
/** Every URL the page requested, in order. */
const requests = [];
const apiRequests = () => requests.filter((u) => new URL(u).pathname.startsWith("/identities"));

/** The text of the first element matching `selector`, once it is visible. */
async function textOf(selector) {
  const el = page.locator(selector).first();
  await el.waitFor({ state: "visible", timeout: WAIT });
  return (await el.textContent()).trim();
}

/** Waits until the step's status pill reads `text` (a string or RegExp). */
async function pill(step, text) {
  await page.locator(`#step-${step} .pill`).filter({ hasText: text }).waitFor({ timeout: WAIT });
}

const statusOf = (step) => textOf(`#step-${step} .exchange .status`);
const errorOf = (step) => textOf(`#step-${step} .error`);

async function click(id) {
  await page.locator(`#${id}`).click({ timeout: WAIT });
}

/** Waits for the click's step to settle: no pill left running and every button enabled again. */
async function settled() {
  await page.waitForFunction(
    () => !document.querySelector('.pill[data-state="running"]') && !document.querySelector("main button:disabled"),
    null,
    { timeout: WAIT },
  );
}

describe("demo page", { timeout: 240_000 }, () => {
  before(async () => {
    mkdirSync(OUT, { recursive: true });
    emulator = await startEmulator({ www: join(repoRoot, "www"), env: { RUST_LOG: "warn" } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(`${emulator.url}/`, { timeout: WAIT });
  });

  after(async () => {
    if (browser) await browser.close();
    if (emulator) await emulator.stop();
  });

  it("connects with the emulator's connection string and shows the endpoint, never the key", STEP, async () => {
    await page.locator("#connection-string").waitFor({ timeout: WAIT });
    await page.waitForFunction(() => document.getElementById("connection-string").value !== "", null, { timeout: WAIT });
    const field = page.getByLabel("Connection string");
    assert.equal(await field.inputValue(), emulator.connectionString);
    await pill("connect", "Ready");
    assert.equal(await textOf("#endpoint"), emulator.url);
    assert.equal(await textOf("#host"), new URL(emulator.url).host);
    const visible = await page.locator("body").innerText();
    assert.ok(!visible.includes(emulator.accessKey), "the access key is shown outside the field");
    const warning = await textOf("#step-connect .warning");
    assert.match(warning, /access keys belong on servers/i);
    assert.match(warning, /stays in this browser tab only/i);
    assert.equal(await page.locator("#step-connect .error").isHidden(), true);
  });

  it("explains a bad connection string in step 1 and recovers", STEP, async () => {
    const field = page.getByLabel("Connection string");
    await field.fill("endpoint=https://contoso.communication.azure.com/");
    await click("connect");
    await pill("connect", "Invalid");
    assert.match(await errorOf("connect"), /Bad connection string/);
    await field.fill(emulator.connectionString);
    await click("connect");
    await pill("connect", "Ready");
    assert.equal(await page.locator("#step-connect .error").isHidden(), true);
  });

  let firstUser;
  it("creates a user and shows its id and the signed request", STEP, async () => {
    await click("create-user");
    await pill("create", "Created");
    firstUser = await textOf("#user-id");
    assert.match(firstUser, /^8:acs:[0-9a-f-]{36}_[0-9a-f-]{36}$/);
    assert.equal(await statusOf("create"), "201 Created");
    const exchange = page.locator("#step-create .exchange");
    assert.equal((await exchange.locator(".method").textContent()).trim(), "POST");
    assert.equal((await exchange.locator(".url").textContent()).trim(), `${emulator.url}/identities?api-version=2023-10-01`);
    const headers = await exchange.locator(".headers").innerText();
    assert.match(headers, /x-ms-date\s+\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT/);
    assert.match(headers, /x-ms-content-sha256\s+[A-Za-z0-9+/]{43}=/);
    assert.match(headers, /Authorization\s+HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=[A-Za-z0-9+/]{43}=/);
    const disclosure = exchange.locator("details.sts");
    assert.equal(await disclosure.getAttribute("open"), null, "the string to sign starts folded");
    await disclosure.locator("summary").click();
    const sts = await exchange.locator(".sts-text").innerText();
    assert.match(sts, new RegExp(`^POST\\u21b5\\n/identities\\?api-version=2023-10-01\\u21b5\\n\\w{3}, .+ GMT;${new URL(emulator.url).host.replace(".", "\\.")};`));
    assert.match(await exchange.locator(".res-body").innerText(), new RegExp(`"id": "${firstUser}"`));
    assert.match(await exchange.locator(".elapsed").innerText(), /^\d+ ms/);
  });

  it("refuses an expiry of 59 minutes before sending anything", STEP, async () => {
    const before = apiRequests().length;
    await page.getByLabel("Expires in (minutes)").fill("59");
    await click("issue-token");
    await pill("issue", "Not sent");
    assert.match(await errorOf("issue"), /from 60 to 1440; 59 is not/);
    assert.equal(await page.getByLabel("Expires in (minutes)").getAttribute("aria-invalid"), "true");
    await settled();
    assert.equal(apiRequests().length, before, "a request was sent for an invalid expiry");
    assert.equal(await page.locator("#step-issue .exchange").isHidden(), true);
  });

  let firstCountdown;
  it("issues a token with a live countdown and its decoded claims", STEP, async () => {
    await page.getByLabel("Expires in (minutes)").fill("60");
    await page.getByRole("checkbox", { name: "chat", exact: true }).check();
    await page.getByRole("checkbox", { name: "voip", exact: true }).check();
    await click("issue-token");
    await pill("issue", "Issued");
    assert.equal(await page.locator("#step-issue .error").isHidden(), true);
    assert.equal(await page.getByLabel("Expires in (minutes)").getAttribute("aria-invalid"), "false");
    assert.equal(await statusOf("issue"), "200 OK");
    assert.match(await textOf("#token-text"), /^eyJ[\w-]{21}…[\w-]{12}$/);
    const claims = await page.locator("#claims").innerText();
    assert.match(claims, new RegExp(`User\\s+${firstUser}`));
    assert.match(claims, /Scopes\s+chat, voip/);
    firstCountdown = await textOf("#token-countdown");
    assert.match(firstCountdown, /^(00:59:[0-5]\d|01:00:00)$/);
    await page.waitForFunction((t) => document.getElementById("token-countdown").textContent !== t, firstCountdown, { timeout: 5000 });
    const later = await textOf("#token-countdown");
    assert.match(later, /^00:59:[0-5]\d$/);
    assert.ok(later < firstCountdown, `countdown went from ${firstCountdown} to ${later}`);
    const body = await page.locator("#step-issue .exchange .req-body").innerText();
    assert.equal(body, '{"scopes":["chat","voip"],"expiresInMinutes":60}');
  });

  it("checks the token: accepted", STEP, async () => {
    await click("check-token");
    await pill("check", "Accepted");
    assert.match(await textOf("#check-verdict"), new RegExp(`^Accepted: the token stands for ${firstUser} with scopes chat, voip`));
    assert.equal(await statusOf("check"), "200 OK");
    assert.equal((await textOf("#step-check .exchange .url")), `${emulator.url}/emulator/whoami`);
  });

  it("revokes the tokens, and the same token is then rejected", STEP, async () => {
    await click("revoke-tokens");
    await pill("revoke", "Revoked");
    assert.equal(await statusOf("revoke"), "204 No Content");
    assert.match(await textOf("#step-revoke .exchange .url"), /\/identities\/8%3Aacs%3A[^/]+\/:revokeAccessTokens\?api-version=2023-10-01$/);
    await click("check-token");
    await pill("check", "Rejected");
    assert.match(await textOf("#check-verdict"), /^Rejected: The access token was revoked\. \(TokenRevoked\)$/);
    assert.equal(await statusOf("check"), "401 Unauthorized");
  });

  it("deletes the user, and issuing a token for it fails with the service's error", STEP, async () => {
    await click("delete-user");
    await pill("delete", "Deleted");
    assert.equal(await statusOf("delete"), "204 No Content");
    assert.equal(await textOf("#step-delete .exchange .method"), "DELETE");
    await click("issue-after-delete");
    await pill("delete", "Refused as expected");
    assert.match(await textOf("#delete-note"), new RegExp(`failed, as expected\\. The service answered 404 Not Found IdentityNotFound: "Identity '${firstUser}' was not found\\."`));
    assert.equal(await statusOf("delete"), "404 Not Found");
    // The Issue token step says the same in its own place.
    await click("issue-token");
    await pill("issue", "Failed");
    assert.match(await errorOf("issue"), /The service refused the request: Identity '8:acs:.+' was not found\./);
  });

  it("says 'signature rejected: check the access key' for a wrong key, then keeps working", STEP, async () => {
    const field = page.getByLabel("Connection string");
    const wrongKey = Buffer.from("not the emulator's key, 32 bytes").toString("base64");
    assert.notEqual(wrongKey, emulator.accessKey);
    await field.fill(emulator.connectionString.replace(emulator.accessKey, wrongKey));
    await click("create-user");
    await pill("create", "Failed");
    const error = await errorOf("create");
    assert.match(error, /^Signature rejected: check the access key\./);
    assert.match(error, /401 Unauthorized Denied: "Request signature is not valid\."/);
    assert.ok(!error.includes(wrongKey), "the key appears in the error");
    assert.equal(await statusOf("create"), "401 Unauthorized");
    await field.fill(emulator.connectionString);
    await click("create-user");
    await pill("create", "Created");
    assert.equal(await page.locator("#step-create .error").isHidden(), true);
    assert.notEqual(await textOf("#user-id"), firstUser);
    // A new user starts the walk again: the later steps forget the deleted user's results.
    await pill("issue", "Not run");
    await pill("delete", "Not run");
    assert.equal(await page.locator("#token-result").isHidden(), true);
    assert.equal(await page.locator("#check-verdict").isHidden(), true);
  });

  it("says 'network down' when the endpoint cannot be reached", STEP, async () => {
    const createUrl = (url) => url.pathname === "/identities";
    await page.route(createUrl, (route) => route.abort("connectionrefused"));
    try {
      await click("create-user");
      await pill("create", "Failed");
      assert.match(await errorOf("create"), new RegExp(`^Network down: the request did not reach ${emulator.url.replace(/[.]/g, "\\.")}\\.`));
    } finally {
      await page.unroute(createUrl);
    }
    await click("create-user");
    await pill("create", "Created");
  });

  it("works with the keyboard alone", STEP, async () => {
    await page.getByLabel("Connection string").focus();
    let reached = false;
    for (let i = 0; i < 10 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = await page.evaluate(() => document.activeElement && document.activeElement.id === "create-user");
    }
    assert.ok(reached, "Tab never reached the Create user button");
    const previous = await textOf("#user-id");
    await page.keyboard.press("Enter");
    await page.waitForFunction((p) => document.getElementById("user-id").textContent !== p, previous, { timeout: WAIT });
    await pill("create", "Created");
    // Space toggles a scope checkbox, and every control has a label.
    const chatJoin = page.getByRole("checkbox", { name: "chat.join", exact: true });
    await chatJoin.focus();
    await page.keyboard.press("Space");
    assert.equal(await chatJoin.isChecked(), true);
    await page.keyboard.press("Space");
    assert.equal(await chatJoin.isChecked(), false);
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll("input, textarea, button")]
        .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.textContent.trim())
        .map((el) => el.outerHTML));
    assert.deepEqual(unlabelled, []);
  });

  it("runs all steps in order with a progress indicator", STEP, async () => {
    await settled();
    const previous = await textOf("#user-id");
    const seen = new Set();
    const watch = setInterval(() => {
      page.locator("#run-progress").getAttribute("value").then((v) => seen.add(v), () => {});
    }, 25);
    try {
      await click("run-all");
      await page.locator("#run-status").filter({ hasText: /^Done: 7 of 7 requests behaved as expected\.$/ }).waitFor({ timeout: 30_000 });
    } finally {
      clearInterval(watch);
    }
    assert.equal(await page.locator("#run-progress").getAttribute("value"), "7");
    assert.ok([...seen].some((v) => Number(v) > 0 && Number(v) < 7), `no intermediate progress seen: ${[...seen]}`);
    const user = await textOf("#user-id");
    assert.match(user, /^8:acs:/);
    assert.notEqual(user, previous);
    await pill("create", "Created");
    await pill("issue", "Issued");
    await pill("check", "Rejected");
    await pill("revoke", "Revoked");
    await pill("delete", "Refused as expected");
    assert.match(await textOf("#check-verdict"), /TokenRevoked/);
    assert.match(await textOf("#claims"), new RegExp(user));
    assert.match(await textOf("#delete-note"), new RegExp(`Identity '${user}' was not found`));
    assert.equal(await statusOf("create"), "201 Created");
    assert.equal(await statusOf("issue"), "200 OK");
    assert.equal(await statusOf("delete"), "404 Not Found");
    assert.equal(await page.locator(".error:not([hidden])").count(), 0);
  });

  it("fits a phone screen and saves screenshots at desktop and phone widths", STEP, async () => {
    await page.locator("#step-create details.sts").evaluate((d) => { d.open = true; });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(OUT, "page-desktop.png"), fullPage: true, timeout: WAIT });
    await page.setViewportSize({ width: 375, height: 812 });
    await page.evaluate(() => window.scrollTo(0, 0));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(overflow <= 375, `the page is ${overflow} px wide at 375 px`);
    await page.screenshot({ path: join(OUT, "page-phone.png"), fullPage: true, timeout: WAIT });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("leaves the field empty with a hint when no emulator config is served", STEP, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const bare = await context.newPage();
      bare.setDefaultTimeout(WAIT);
      const sent = [];
      bare.on("request", (r) => sent.push(new URL(r.url()).pathname));
      await bare.route((url) => url.pathname === "/emulator/config", (route) => route.fulfill({ status: 404, body: "" }));
      await bare.goto(`${emulator.url}/`, { timeout: WAIT });
      await bare.locator("#connection-hint").filter({ hasText: /paste a connection string/ }).waitFor({ timeout: WAIT });
      assert.equal(await bare.getByLabel("Connection string").inputValue(), "");
      assert.equal((await bare.locator("#step-connect .pill").innerText()).trim(), "Not connected");
      await bare.locator("#create-user").click();
      await bare.locator("#step-create .pill").filter({ hasText: "Not sent" }).waitFor({ timeout: WAIT });
      assert.match((await bare.locator("#step-create .error").innerText()).trim(), /enter a valid connection string in step 1 first/);
      assert.ok(!sent.some((p) => p.startsWith("/identities")), "a request was sent without a connection string");
    } finally {
      await context.close();
    }
  });

  it("names clock skew when this computer's clock is off", STEP, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      await context.clock.setFixedTime(new Date(Date.now() - 2 * 3600 * 1000));
      const skewed = await context.newPage();
      skewed.setDefaultTimeout(WAIT);
      await skewed.goto(`${emulator.url}/`, { timeout: WAIT });
      await skewed.locator("#step-connect .pill").filter({ hasText: "Ready" }).waitFor({ timeout: WAIT });
      await skewed.locator("#create-user").click();
      await skewed.locator("#step-create .pill").filter({ hasText: "Failed" }).waitFor({ timeout: WAIT });
      const error = (await skewed.locator("#step-create .error").innerText()).trim();
      assert.match(error, /^Clock skew: this computer's clock differs from the service's/);
      assert.match(error, /Request date is outside the allowed clock skew\./);
    } finally {
      await context.close();
    }
  });
});
