// Registers the built-in emitters, in the order they are tried (the WebAssembly loop, which
// declines unless it applies, before the JS loop), and the matmul kernel for contraction specs
// of class `matmul` (conv's is registered by ../kernels/conv.ts).

import { registerEmitter, registerEpilogueKernel } from "./emitter.js";
import { callEmitter } from "./emit-call.js";
import { contractionEmitter } from "./emit-contraction.js";
import { loopEmitter } from "./emit-loop.js";
import { matmulKernel } from "./emit-matmul.js";
import { reduceEmitter } from "./emit-reduce.js";
import { wasmLoopEmitter } from "../wasm/elementwise-kernel.js";

registerEmitter(wasmLoopEmitter); // declines unless the backend is "wasm" and the loop is large
registerEmitter(loopEmitter);
registerEmitter(reduceEmitter);
registerEmitter(contractionEmitter);
registerEmitter(callEmitter);
registerEpilogueKernel("matmul", matmulKernel);
