// One Durable Object per app user (named by the app user id). It is the single place where that user's
// ACS identity is created and deleted, and where their requests are counted for the rate limit.
//
// Why a Durable Object: KV is eventually consistent (a read can miss a write made a moment ago elsewhere,
// and "not found" is cached for up to a minute), so "read KV, create if missing" run by two requests at
// once, or in two places, creates two ACS users. Every request for one app user reaches this one object;
// concurrent first requests queue behind one creation, and the object's own transactional storage
// is the commit point, so even a fresh instance never creates a second user. KV (`ACS_USERS`) holds the
// same mapping for everything else that wants to look users up by app user id.
import { DurableObject } from "cloudflare:workers";
import { acsClient, describeAcsFailure } from "./acs.js";

const STORAGE_KEY = "acsUserId";

/** The KV key of an app user's mapping. */
export const mappingKey = (appUserId) => `acs-user:${appUserId}`;

function positiveInteger(value, fallback) {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export class AppUser extends DurableObject {
  #acsUserId = null;
  #tail = Promise.resolve();
  #recent = [];

  /**
   * Counts one request against the user's limit (`RATE_LIMIT_REQUESTS` per `RATE_LIMIT_WINDOW_SECONDS`,
   * sliding). `{ allowed: true }` or `{ allowed: false, retryAfterSeconds }`.
   */
  admit() {
    const limit = positiveInteger(this.env.RATE_LIMIT_REQUESTS, 10);
    const windowMs = positiveInteger(this.env.RATE_LIMIT_WINDOW_SECONDS, 60) * 1000;
    const now = Date.now();
    this.#recent = this.#recent.filter((t) => t > now - windowMs);
    if (this.#recent.length >= limit) {
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((this.#recent[0] + windowMs - now) / 1000)) };
    }
    this.#recent.push(now);
    return { allowed: true };
  }

  /** The app user's ACS user id, created on first use: `{ acsUserId, created }` or `{ failure }`. */
  ensureAcsUser(appUserId) {
    if (this.#acsUserId) return { acsUserId: this.#acsUserId, created: false };
    // Concurrent first requests queue here: the first creates, the others then find its user.
    return this.#oneAtATime(async () => {
      const known = await this.#known(appUserId);
      if (known) return { acsUserId: known, created: false };
      let user;
      try {
        user = await acsClient(this.env).createUser();
      } catch (e) {
        return { failure: describeAcsFailure(e) };
      }
      await this.ctx.storage.put(STORAGE_KEY, user.communicationUserId);
      this.#acsUserId = user.communicationUserId;
      const record = { acsUserId: user.communicationUserId, createdAt: new Date().toISOString() };
      await this.env.ACS_USERS.put(mappingKey(appUserId), JSON.stringify(record));
      return { acsUserId: user.communicationUserId, created: true };
    });
  }

  /** The app user's ACS user id, or null; never creates one. */
  findAcsUser(appUserId) {
    if (this.#acsUserId) return this.#acsUserId;
    return this.#oneAtATime(() => this.#known(appUserId));
  }

  /** Deletes the app user's ACS user (and so its tokens) and the mapping: `{ deleted }` or `{ failure }`. */
  deleteAcsUser(appUserId) {
    return this.#oneAtATime(async () => {
      this.#acsUserId = null; // later requests wait for the outcome instead of using this id
      const acsUserId = await this.#known(appUserId);
      if (!acsUserId) return { deleted: false };
      try {
        await acsClient(this.env).deleteUser({ communicationUserId: acsUserId });
      } catch (e) {
        // Already gone at ACS (deleted elsewhere): forget the mapping all the same.
        if (!(e && e.statusCode === 404)) return { failure: describeAcsFailure(e) };
      }
      // "" records "deleted": a KV read in the next minute may still return the old mapping.
      await this.ctx.storage.put(STORAGE_KEY, "");
      await this.env.ACS_USERS.delete(mappingKey(appUserId));
      this.#acsUserId = null;
      return { deleted: true };
    });
  }

  /** Runs `work` after every earlier one has finished (creation and deletion never overlap). */
  #oneAtATime(work) {
    const run = this.#tail.then(work);
    this.#tail = run.catch(() => {});
    return run;
  }

  async #known(appUserId) {
    if (this.#acsUserId) return this.#acsUserId;
    const stored = await this.ctx.storage.get(STORAGE_KEY);
    if (stored) {
      this.#acsUserId = stored;
      return stored;
    }
    if (stored === "") return null;
    // A mapping that only KV has (written by an earlier deployment, or restored): adopt it.
    const mapped = await this.env.ACS_USERS.get(mappingKey(appUserId), "json");
    if (mapped && typeof mapped.acsUserId === "string") {
      await this.ctx.storage.put(STORAGE_KEY, mapped.acsUserId);
      this.#acsUserId = mapped.acsUserId;
      return mapped.acsUserId;
    }
    return null;
  }
}
