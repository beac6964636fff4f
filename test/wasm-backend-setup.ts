// Vitest setup file: FLUXION_BACKEND=js|wasm|auto chooses the backend for a whole test run
// (vitest.backend-js.config.ts sets "js", so the suite runs once on each backend).
import { type Backend, setBackend } from "../src/compile/wasm/backend.js";

const chosen = process.env["FLUXION_BACKEND"];
if (chosen !== undefined && chosen !== "") setBackend(chosen as Backend);
