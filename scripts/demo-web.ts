// npm run demo:web — builds the browser demo and serves it on 127.0.0.1 (PORT, default 8080).

import { buildDemo, DEMO_DIR } from "./build-demo.js";
import { serveDemo } from "./serve-demo.js";

await buildDemo(DEMO_DIR);
const { url } = await serveDemo(DEMO_DIR, Number(process.env.PORT ?? 8080));
console.log(`fluxion browser demo: ${url}  (strict CSP, eval-free interpreter)`);
console.log(`                with code generation: ${url}?codegen=allow`);
console.log("Ctrl-C to stop");
