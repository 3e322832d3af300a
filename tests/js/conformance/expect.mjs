// Assertions for the conformance suite. The suite runs in Node, workerd, Chromium and Deno, so it cannot
// lean on node:assert; these few checks throw a plain Error whose message says what differed.

export class CheckFailed extends Error {
  constructor(message) {
    super(message);
    this.name = "CheckFailed";
  }
}

const show = (v) => {
  if (v instanceof Date) return `Date(${v.toISOString()})`;
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
};

function fail(what, message) {
  throw new CheckFailed(message ? `${message}: ${what}` : what);
}

export function ok(value, message) {
  if (!value) fail(`expected a truthy value, got ${show(value)}`, message);
}

export function equal(actual, expected, message) {
  if (!Object.is(actual, expected)) fail(`expected ${show(expected)}, got ${show(actual)}`, message);
}

export function notEqual(actual, unexpected, message) {
  if (Object.is(actual, unexpected)) fail(`expected anything but ${show(unexpected)}`, message);
}

function same(a, b) {
  if (Object.is(a, b)) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same(a[k], b[k]));
}

export function deepEqual(actual, expected, message) {
  if (!same(actual, expected)) fail(`expected ${show(expected)}, got ${show(actual)}`, message);
}

export function match(text, pattern, message) {
  if (typeof text !== "string" || !pattern.test(text)) fail(`expected ${show(text)} to match ${pattern}`, message);
}

export function between(value, low, high, message) {
  if (!(typeof value === "number" && value >= low && value <= high)) {
    fail(`expected a number from ${low} to ${high}, got ${show(value)}`, message);
  }
}

/** Checks that `error` has every listed field with the listed value (`undefined` means absent). */
export function fields(error, expected, message) {
  for (const [key, value] of Object.entries(expected)) {
    if (value instanceof RegExp) match(error && error[key], value, `${message ? `${message}: ` : ""}${key}`);
    else equal(error && error[key], value, `${message ? `${message}: ` : ""}${key}`);
  }
}

/** Awaits `work` (a promise or a function returning one), which must reject; returns the error. */
export async function rejects(work, message) {
  try {
    await (typeof work === "function" ? work() : work);
  } catch (e) {
    if (e instanceof CheckFailed) throw e;
    return e;
  }
  return fail("expected a rejection, but it resolved", message);
}

/** Calls `fn`, which must throw synchronously; returns the error. */
export function throws(fn, message) {
  try {
    fn();
  } catch (e) {
    if (e instanceof CheckFailed) throw e;
    return e;
  }
  return fail("expected a throw, but it returned", message);
}
