// Small helpers shared by the benchmarks: statistics, interleaved timing loops, formatting.

/** The median of `values` (sorted copy). */
export function median(values) {
  return percentile(values, 50);
}

/** The `p`th percentile (nearest rank) of `values`. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Runs `fn` repeatedly for about `ms` milliseconds (at least `min` times); returns calls per second. */
export function rateSync(fn, ms, min = 5) {
  let n = 0;
  const start = performance.now();
  let now = start;
  while (n < min || now - start < ms) {
    for (let i = 0; i < 16; i++) fn();
    n += 16;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

/** As `rateSync` for an async `fn`, awaited one call at a time. */
export async function rateAsync(fn, ms, min = 5) {
  let n = 0;
  const start = performance.now();
  let now = start;
  while (n < min || now - start < ms) {
    await fn();
    n++;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

/** Runs `concurrency` loops of async `fn` for about `ms` milliseconds; returns completed calls per second. */
export async function rateConcurrent(fn, ms, concurrency) {
  let n = 0;
  const start = performance.now();
  const deadline = start + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await fn();
        n++;
      }
    }),
  );
  return (n * 1000) / (performance.now() - start);
}

/**
 * Measures every contender in `rounds` interleaved rounds (A B C A B C ...), so that drift in the
 * machine's speed is shared; `measure(contender)` returns one number per round. Returns the median per
 * contender name.
 */
export async function interleave(contenders, rounds, measure) {
  const samples = Object.fromEntries(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const c of contenders) samples[c.name].push(await measure(c));
  }
  return Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, { median: median(s), samples: s }]));
}

/** `1234567` -> `1,234,567` (rounded). */
export function fmt(n, digits = 0) {
  if (!Number.isFinite(n)) return String(n);
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** A markdown table from a header row and rows. */
export function table(header, rows) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Logs a progress line to stderr (stdout carries the final table). */
export function progress(message) {
  process.stderr.write(`bench: ${message}\n`);
}
