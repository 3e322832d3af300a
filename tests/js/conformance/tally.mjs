// Counts a runner's case results and prints one line per runtime, so `npm test`'s output shows how
// each runtime fared (the runners' subtests are in its total as well). Node only.
export function tally(runtime) {
  let passed = 0;
  let failed = 0;
  return {
    /** Runs one case's check, counting its outcome; rethrows a failure for node:test. */
    async track(check) {
      try {
        await check();
        passed++;
      } catch (e) {
        failed++;
        throw e;
      }
    },
    report() {
      console.log(`conformance on ${runtime}: ${passed} of ${passed + failed} cases passed${failed ? ` (${failed} failing)` : ""}`);
    },
  };
}
