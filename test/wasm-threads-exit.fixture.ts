// Run by test/wasm-threads.test.ts as a child process (FLUXION_THREADS=2): trains a few jitted
// steps of a small MLP whose products are large enough to be split among worker threads, prints
// how many row-strip chunks the workers computed, and returns — the process must then exit by
// itself, the idle workers notwithstanding. The caller leaves every chunk to the workers here
// (`poolTuning.callerClaims`), so the pool surely ran, even before workers would be warm.

import * as fx from "../src/index.js";
import { setBackend } from "../src/compile/wasm/backend.js";
import { poolStats, poolTuning } from "../src/compile/wasm/threads/pool.js";

setBackend("wasm");
poolTuning.callerClaims = false;
const x = fx.random.normal(fx.random.key(1), [128, 256]);
const y = fx.oneHot(fx.tensor(Int32Array.from({ length: 128 }, (_, i) => i % 10)), 10);
let p = { w1: fx.mul(fx.random.normal(fx.random.key(2), [256, 256]), 0.05), w2: fx.mul(fx.random.normal(fx.random.key(3), [256, 10]), 0.05) };
const loss = (q: typeof p) => fx.nn.losses.softmaxCrossEntropy(fx.matmul(fx.nn.relu(fx.matmul(x, q.w1)), q.w2), y);
const step = fx.jit((q: typeof p) => {
  const [l, g] = fx.valueAndGrad(loss)(q) as [fx.Tensor, typeof p];
  return [l, { w1: fx.sub(q.w1, fx.mul(g.w1, 0.1)), w2: fx.sub(q.w2, fx.mul(g.w2, 0.1)) }] as const;
});
let first = NaN;
let last = NaN;
for (let i = 0; i < 5; i++) {
  const [l, next] = step(p);
  p = next;
  last = l.item();
  if (i === 0) first = last;
}
console.log(JSON.stringify({ first, last, ...poolStats() }));
