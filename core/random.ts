/**
 * mulberry32: a small, fast, well-mixed 32-bit PRNG, uniform in [0, 1).
 * Everything random in the platform (simulator, benchmarks, randomized tests)
 * draws from it, so the same seed always reproduces the same run.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
