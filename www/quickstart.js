// The demo page: the ACS identity quickstart in six steps. The wasm module builds, signs and parses every
// request (through CommunicationIdentityClient); this file wires buttons to it and shows what went over the wire.
import { CommunicationIdentityClient, parseConnectionString, decodeAccessToken } from "./pkg/browser.js";

const REASONS = {
  200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
  404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 429: "Too Many Requests",
  500: "Internal Server Error", 503: "Service Unavailable",
};
const MIN_MINUTES = 60;
const MAX_MINUTES = 1440;

const byId = (id) => document.getElementById(id);
const step = (name) => byId(`step-${name}`);
const csField = byId("connection-string");

const state = { client: null, endpoint: null, user: null, token: null, expiresOn: null, attempts: [], busy: false };

// ---- what each step shows ----------------------------------------------------------------------------------

function setPill(name, kind, text) {
  const pill = step(name).querySelector(".pill");
  pill.dataset.state = kind;
  pill.textContent = text;
}

function statusLine(status, statusText) {
  return `${status} ${statusText || REASONS[status] || ""}`.trim();
}

/** Plain words for an AcsError: [what happened, what to do / what the service said]. */
function explain(e) {
  const said = e.statusCode ? `The service answered ${statusLine(e.statusCode)}${e.serviceCode ? ` ${e.serviceCode}` : ""}: "${e.serviceMessage || e.message}"` : "";
  switch (e.code) {
    case "ERR_INVALID_CONNECTION_STRING":
      return [`Bad connection string: ${e.message}.`, "It looks like endpoint=https://<resource>.communication.azure.com/;accesskey=<base64 key>."];
    case "ERR_NETWORK":
      return [`Network down: the request did not reach ${state.endpoint}.`, "Is the emulator running (npm start)? A service on another origin must also allow this page (CORS)."];
    case "ERR_TIMEOUT":
      return ["No answer in time: the service did not respond within 20 seconds.", "Try again; check that the endpoint is reachable."];
    case "ERR_INVALID_ARGUMENT":
      return [`Not sent: ${e.message}.`, ""];
  }
  if (e.statusCode === 401 && e.serviceCode === "Denied") {
    const m = e.serviceMessage || "";
    if (/skew/i.test(m)) return ["Clock skew: this computer's clock differs from the service's by more than 15 minutes.", `The signed x-ms-date is checked against the service's clock; set the system clock right. ${said}`];
    if (/content hash|content-sha256/i.test(m)) return ["The body hash was rejected: the bytes sent differ from the bytes hashed.", said];
    return ["Signature rejected: check the access key.", `The HMAC signature did not match, so the connection string's access key is not this resource's key. ${said}`];
  }
  if (e.serviceCode === "ValidationError") return [`Validation error: ${e.serviceMessage}`, said];
  if (e.code === "ERR_SERVICE") return [`The service refused the request: ${e.serviceMessage || e.message}`, said];
  return [e.message || String(e), e.code || ""];
}

function showError(name, e, title) {
  const box = step(name).querySelector(".error");
  const [headline, detail] = explain(e);
  box.replaceChildren();
  const strong = document.createElement("p");
  strong.className = "error-title";
  strong.textContent = title ? `${title} ${headline}` : headline;
  box.append(strong);
  if (detail) {
    const p = document.createElement("p");
    p.className = "error-detail";
    p.textContent = detail;
    box.append(p);
  }
  box.hidden = false;
}

function clearError(name) {
  const box = step(name).querySelector(".error");
  box.hidden = true;
  box.replaceChildren();
}

function showExchange(name) {
  const holder = step(name).querySelector(".exchange");
  const last = state.attempts[state.attempts.length - 1];
  if (!last) {
    holder.hidden = true;
    return;
  }
  const view = byId("exchange-template").content.cloneNode(true);
  const { request, response, durationMs } = last;
  const q = (sel) => view.querySelector(sel);
  q(".method").textContent = request.method;
  q(".url").textContent = request.url;
  const wanted = ["x-ms-date", "x-ms-content-sha256", "authorization"];
  for (const [header, value] of request.headers) {
    if (!wanted.includes(header.toLowerCase())) continue;
    const dt = document.createElement("dt");
    dt.textContent = header.toLowerCase() === "authorization" ? "Authorization" : header;
    const dd = document.createElement("dd");
    dd.textContent = value;
    q(".headers").append(dt, dd);
  }
  if (request.body && request.body.length) {
    q(".req-body").textContent = new TextDecoder().decode(request.body);
    q(".req-body").hidden = false;
  }
  if (request.stringToSign) {
    q(".sts-text").textContent = request.stringToSign.replaceAll("\n", "\u21b5\n");
    q(".sts").hidden = false;
  }
  q(".status").textContent = statusLine(response.status, response.statusText);
  q(".status").dataset.ok = String(response.status < 400);
  const retries = state.attempts.length > 1 ? ` · attempt ${state.attempts.length}` : "";
  q(".elapsed").textContent = `${durationMs} ms${retries}`;
  q(".res-body").textContent = response.body === null ? "(no body)" : typeof response.body === "string" ? response.body : JSON.stringify(response.body, null, 2);
  holder.replaceChildren(view);
  holder.hidden = false;
}

/** Runs one step's action: pill, error and exchange handling around it. Resolves to true on success. */
async function run(name, action) {
  clearError(name);
  setPill(name, "running", "Running…");
  state.attempts = [];
  try {
    const pill = await action();
    setPill(name, pill[0], pill[1]);
    showExchange(name);
    return true;
  } catch (e) {
    setPill(name, "error", e.code === "ERR_INVALID_ARGUMENT" ? "Not sent" : "Failed");
    showError(name, e);
    showExchange(name);
    return false;
  }
}

/** A new user starts the walk again: steps 3 to 6 forget what they showed for the previous one. */
function resetLaterSteps() {
  state.token = null;
  state.expiresOn = null;
  for (const name of ["issue", "check", "revoke", "delete"]) {
    setPill(name, "idle", "Not run");
    clearError(name);
    step(name).querySelector(".exchange").hidden = true;
  }
  for (const id of ["token-result", "check-verdict", "revoke-note", "delete-note"]) byId(id).hidden = true;
}

// ---- step 1: connect -------------------------------------------------------------------------------------

function connect() {
  const text = csField.value.trim();
  clearError("connect");
  state.client = null;
  state.endpoint = null;
  byId("connect-result").hidden = true;
  if (!text) {
    setPill("connect", "idle", "Not connected");
    return false;
  }
  try {
    const { endpoint, host } = parseConnectionString(text);
    state.client = new CommunicationIdentityClient(text, {
      retry: { maxRetries: 2, baseDelayMs: 300, maxDelayMs: 3000 },
      timeoutMs: 20_000,
      onRequest: (exchange) => state.attempts.push(exchange),
      // The page shows the signature and the tokens it teaches about, so it asks for the raw trace; by
      // default onRequest sees them redacted.
      traceSecrets: true,
    });
    state.endpoint = endpoint;
    byId("endpoint").textContent = endpoint;
    byId("host").textContent = host;
    byId("connect-result").hidden = false;
    setPill("connect", "ok", "Ready");
    return true;
  } catch (e) {
    setPill("connect", "error", "Invalid");
    showError("connect", e);
    return false;
  }
}

function requireClient() {
  if (state.client || connect()) return state.client;
  throw Object.assign(new Error("enter a valid connection string in step 1 first"), { code: "ERR_INVALID_ARGUMENT" });
}

function requireUser() {
  if (state.user) return state.user;
  throw Object.assign(new Error("create a user in step 2 first"), { code: "ERR_INVALID_ARGUMENT" });
}

async function loadEmulatorConfig() {
  const hint = byId("connection-hint");
  try {
    const response = await fetch("/emulator/config", { headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(String(response.status));
    const { connectionString } = await response.json();
    csField.value = connectionString;
    hint.textContent = "Pre-filled with the development connection string of the emulator that serves this page.";
    connect();
  } catch {
    hint.textContent = "No emulator config here: paste a connection string (Azure portal: your Communication Services resource, Keys).";
  }
}

// ---- steps 2 to 6 ------------------------------------------------------------------------------------------

function createUser() {
  return run("create", async () => {
    const user = await requireClient().createUser();
    state.user = user;
    resetLaterSteps();
    byId("user-id").textContent = user.communicationUserId;
    step("create").querySelector(".facts").hidden = false;
    return ["ok", "Created"];
  });
}

/** The chosen scopes and lifetime, checked here so that a bad value never leaves the page. */
function tokenRequest() {
  const scopes = [...document.querySelectorAll('input[name="scope"]:checked')].map((box) => box.value);
  const raw = byId("expires-in").value.trim();
  const minutes = Number(raw);
  const bad = !/^\d+$/.test(raw) || minutes < MIN_MINUTES || minutes > MAX_MINUTES;
  byId("expires-in").setAttribute("aria-invalid", String(bad));
  if (bad) {
    throw Object.assign(new Error(`"Expires in" must be a whole number of minutes from ${MIN_MINUTES} to ${MAX_MINUTES}; ${raw === "" ? "it is empty" : `${raw} is not`}`), { code: "ERR_INVALID_ARGUMENT" });
  }
  if (scopes.length === 0) throw Object.assign(new Error("choose at least one scope"), { code: "ERR_INVALID_ARGUMENT" });
  return { scopes, minutes };
}

function issueToken() {
  return run("issue", async () => {
    const { scopes, minutes } = tokenRequest();
    const user = requireUser();
    const { token, expiresOn } = await requireClient().getToken(user, scopes, { tokenExpiresInMinutes: minutes });
    state.token = token;
    state.expiresOn = expiresOn;
    byId("token-text").textContent = `${token.slice(0, 24)}…${token.slice(-12)}`;
    byId("token-text").title = `${token.length} characters; Copy puts the whole token on the clipboard`;
    byId("token-expiry").dateTime = expiresOn.toISOString();
    byId("token-expiry").textContent = expiresOn.toLocaleString();
    const claims = decodeAccessToken(token);
    const rows = [
      ["User", claims.communicationUserId], ["Scopes", claims.scopes.join(", ")],
      ["Issued at", claims.issuedAt && claims.issuedAt.toISOString()], ["Expires on", claims.expiresOn.toISOString()],
      ["Resource", claims.resourceId],
    ];
    byId("claims").replaceChildren(...rows.filter(([, v]) => v).flatMap(([k, v]) => {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      const code = document.createElement("code");
      code.textContent = v;
      dd.append(code);
      return [dt, dd];
    }));
    byId("token-result").hidden = false;
    tick();
    return ["ok", "Issued"];
  });
}

function tick() {
  if (!state.expiresOn) return;
  const left = Math.max(0, Math.floor((state.expiresOn.getTime() - Date.now()) / 1000));
  const pad = (n) => String(n).padStart(2, "0");
  byId("token-countdown").textContent = left === 0 ? "expired" : `${pad(Math.floor(left / 3600))}:${pad(Math.floor(left / 60) % 60)}:${pad(left % 60)}`;
}

async function copyToken() {
  const status = byId("copy-status");
  try {
    await navigator.clipboard.writeText(state.token);
    status.textContent = "Copied";
  } catch {
    getSelection().selectAllChildren(byId("token-text"));
    status.textContent = "Copy blocked: the whole token is in the Issue token response below";
  }
  setTimeout(() => { status.textContent = ""; }, 2500);
}

/** Presents the token to the emulator's whoami; resolves to "accepted" or "rejected". */
function checkToken() {
  let verdict = null;
  return run("check", async () => {
    if (!state.token) throw Object.assign(new Error("issue a token in step 3 first"), { code: "ERR_INVALID_ARGUMENT" });
    requireClient();
    const url = `${state.endpoint}/emulator/whoami`;
    const started = performance.now();
    let response;
    try {
      response = await fetch(url, { headers: { authorization: `Bearer ${state.token}` } });
    } catch (e) {
      throw Object.assign(new Error(e.message), { code: "ERR_NETWORK" });
    }
    const text = await response.text();
    let body = text || null;
    try { body = JSON.parse(text); } catch { /* shown as text */ }
    state.attempts.push({
      request: { method: "GET", url, headers: [["Authorization", `Bearer ${state.token.slice(0, 16)}…`]] },
      response: { status: response.status, statusText: response.statusText, body },
      durationMs: Math.round(performance.now() - started),
    });
    const out = byId("check-verdict");
    out.hidden = false;
    if (response.ok) {
      verdict = "accepted";
      out.dataset.verdict = "accepted";
      out.textContent = `Accepted: the token stands for ${body.id} with scopes ${body.scopes.join(", ")}.`;
      return ["ok", "Accepted"];
    }
    if (response.status === 401) {
      const why = body && body.error ? body.error : {};
      verdict = "rejected";
      out.dataset.verdict = "rejected";
      out.textContent = `Rejected: ${why.message || "the token is not valid"}${why.innererror ? ` (${why.innererror.code})` : ""}`;
      return ["rejected", "Rejected"];
    }
    out.hidden = true;
    throw Object.assign(new Error(`${url} answered ${statusLine(response.status, response.statusText)}; this check needs the local emulator`), { code: "ERR_SERVICE_CHECK" });
  }).then((ok) => (ok ? verdict : null));
}

function revokeTokens() {
  return run("revoke", async () => {
    await requireClient().revokeTokens(requireUser());
    const note = byId("revoke-note");
    note.textContent = "Every token of this user is revoked. Check token (step 4) now shows rejected.";
    note.hidden = false;
    return ["ok", "Revoked"];
  });
}

function deleteUser() {
  return run("delete", async () => {
    await requireClient().deleteUser(requireUser());
    const note = byId("delete-note");
    note.textContent = `${state.user.communicationUserId} is deleted. Issuing a token for it now fails.`;
    note.hidden = false;
    return ["ok", "Deleted"];
  });
}

/** Tries to issue a token for the (deleted) user; success here is the service's refusal. */
function issueAfterDelete() {
  return run("delete", async () => {
    const { scopes, minutes } = tokenRequest();
    try {
      await requireClient().getToken(requireUser(), scopes, { tokenExpiresInMinutes: minutes });
    } catch (e) {
      if (e.code !== "ERR_SERVICE" || e.statusCode === 401) throw e;
      const note = byId("delete-note");
      note.textContent = `Issuing a token failed, as expected. ${explain(e)[1]}`;
      note.hidden = false;
      return ["ok", "Refused as expected"];
    }
    throw Object.assign(new Error("the service issued a token for this user: it is not deleted yet"), { code: "ERR_UNEXPECTED" });
  });
}

// ---- run all ---------------------------------------------------------------------------------------------

const PLAN = [
  ["Create user", createUser], ["Issue token", issueToken], ["Check token (expect accepted)", checkToken],
  ["Revoke tokens", revokeTokens], ["Check token (expect rejected)", checkToken], ["Delete user", deleteUser],
  ["Issue a token for the deleted user (expect refusal)", issueAfterDelete],
];

async function runAll() {
  if (state.busy) return;
  const progress = byId("run-progress");
  const status = byId("run-status");
  setBusy(true);
  progress.max = PLAN.length;
  progress.value = 0;
  try {
    for (const [i, [label, action]] of PLAN.entries()) {
      status.textContent = `Step ${i + 1} of ${PLAN.length}: ${label}…`;
      const result = await action();
      const expected = label.includes("expect accepted") ? "accepted" : label.includes("expect rejected") ? "rejected" : true;
      if (result !== expected) {
        status.textContent = `Stopped at ${i + 1} of ${PLAN.length}: ${label}. See the step for what went wrong.`;
        return;
      }
      progress.value = i + 1;
    }
    status.textContent = `Done: ${PLAN.length} of ${PLAN.length} requests behaved as expected.`;
  } finally {
    setBusy(false);
  }
}

function setBusy(busy) {
  state.busy = busy;
  byId("runbar").dataset.busy = String(busy);
  for (const button of document.querySelectorAll("main button")) button.disabled = busy;
}

/** A single click: runs `action` with the other buttons disabled. */
function single(action) {
  return async () => {
    if (state.busy) return;
    setBusy(true);
    try {
      await action();
    } finally {
      setBusy(false);
    }
  };
}

byId("connect").addEventListener("click", connect);
csField.addEventListener("change", connect);
csField.addEventListener("input", () => { state.client = null; });
byId("create-user").addEventListener("click", single(createUser));
byId("issue-token").addEventListener("click", single(issueToken));
byId("copy-token").addEventListener("click", copyToken);
byId("check-token").addEventListener("click", single(checkToken));
byId("revoke-tokens").addEventListener("click", single(revokeTokens));
byId("delete-user").addEventListener("click", single(deleteUser));
byId("issue-after-delete").addEventListener("click", single(issueAfterDelete));
byId("run-all").addEventListener("click", runAll);
setInterval(tick, 1000);
document.documentElement.dataset.ready = "true";
loadEmulatorConfig();
