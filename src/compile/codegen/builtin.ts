// Registers the built-in JavaScript emitters, in the order they are tried.

import { registerEmitter } from "./emitter.js";
import { callEmitter } from "./emit-call.js";
import { loopEmitter } from "./emit-loop.js";
import { matmulEmitter } from "./emit-matmul.js";
import { reduceEmitter } from "./emit-reduce.js";

registerEmitter(loopEmitter);
registerEmitter(reduceEmitter);
registerEmitter(matmulEmitter);
registerEmitter(callEmitter);
