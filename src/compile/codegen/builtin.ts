// Registers the built-in JavaScript emitters, in the order they are tried, and the matmul
// kernel for contraction specs of class `matmul` (conv's is registered by ../kernels/conv.ts).

import { registerEmitter, registerEpilogueKernel } from "./emitter.js";
import { callEmitter } from "./emit-call.js";
import { contractionEmitter } from "./emit-contraction.js";
import { loopEmitter } from "./emit-loop.js";
import { matmulKernel } from "./emit-matmul.js";
import { reduceEmitter } from "./emit-reduce.js";

registerEmitter(loopEmitter);
registerEmitter(reduceEmitter);
registerEmitter(contractionEmitter);
registerEmitter(callEmitter);
registerEpilogueKernel("matmul", matmulKernel);
