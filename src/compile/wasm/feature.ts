// Feature detection: whether this platform runs WebAssembly with the fixed-width SIMD extension.
// Probed once by validating and running a tiny module of our own encoder's making; where
// WebAssembly is missing, refuses SIMD, or a policy forbids compiling it, the JS kernels run.

import { FunctionBody, Simd, ValType } from "./encoder.js";
import { webAssembly } from "./api.js";
import { ModuleBuilder, compileModule, instantiateModule } from "./module.js";

let simd: boolean | undefined;

/** The probe: `f() = f32x4.extract_lane 3 (f32x4.add(splat 1.5, splat 2))`, which must return 3.5. */
export function simdProbeModule(): Uint8Array {
  const f = new FunctionBody([], [ValType.f32]);
  f.f32Const(1.5).simd(Simd.f32x4Splat).f32Const(2).simd(Simd.f32x4Splat).simd(Simd.f32x4Add).simdLane(Simd.f32x4ExtractLane, 3);
  const m = new ModuleBuilder();
  m.addFunction(f, "probe");
  return m.build();
}

/** Whether WebAssembly with SIMD can be compiled and run here (probed once). */
export function wasmSimdAvailable(): boolean {
  if (simd === undefined) {
    try {
      const bytes = simdProbeModule();
      const ok = webAssembly()?.validate(bytes) === true;
      const instance = ok ? instantiateModule(compileModule(bytes)) : null;
      simd = instance !== null && (instance.exports["probe"] as () => number)() === 3.5;
    } catch {
      simd = false;
    }
  }
  return simd;
}
