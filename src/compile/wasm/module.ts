// Assembles a WebAssembly module from functions written with ./encoder.ts: function types
// (deduplicated), an imported or a defined memory, the functions and their exports. `build()`
// returns the module's bytes; `compileModule` compiles them synchronously (kernels are compiled
// when a program is, which is synchronous).
//
// Usage:
//   const m = new ModuleBuilder();
//   m.importMemory("env", "memory", { initial: 1 });
//   m.addFunction(body, "kernel");          // body: a FunctionBody
//   const instance = instantiateModule(compileModule(m.build()), { env: { memory } });

import { type WasmInstance, type WasmImports, type WasmModule, webAssembly } from "./api.js";
import { type FunctionBody, type ValType, WasmEncodeError, writeName, writeU32 } from "./encoder.js";

/** Memory limits in 64 KiB pages. */
export interface MemoryLimits {
  readonly initial: number;
  readonly maximum?: number;
  /** A shared memory (needs `maximum`; for SharedArrayBuffer-backed memories). */
  readonly shared?: boolean;
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const SECTION = { type: 1, import: 2, function: 3, memory: 5, export: 7, code: 10 } as const;
const EXTERN_FUNC = 0x00;
const EXTERN_MEMORY = 0x02;

export class ModuleBuilder {
  private readonly types: string[] = [];
  private readonly typeBytes: number[][] = [];
  private readonly functions: { type: number; body: FunctionBody }[] = [];
  private readonly exports: { name: string; index: number }[] = [];
  private memory: { import?: readonly [string, string]; limits: MemoryLimits } | null = null;

  /** Imports memory 0 as `module`.`field`. */
  importMemory(module: string, field: string, limits: MemoryLimits): this {
    this.setMemory({ import: [module, field], limits });
    return this;
  }

  /** Defines memory 0 in the module itself (exported as "memory"). */
  defineMemory(limits: MemoryLimits): this {
    this.setMemory({ limits });
    return this;
  }

  /** Adds a function; exports it as `exportName` when given. Returns its function index. */
  addFunction(body: FunctionBody, exportName?: string): number {
    const index = this.functions.length;
    this.functions.push({ type: this.typeIndex(body.params, body.results), body });
    if (exportName !== undefined) {
      if (this.exports.some((e) => e.name === exportName)) throw new WasmEncodeError(`wasm module: export ${JSON.stringify(exportName)} is defined twice`);
      this.exports.push({ name: exportName, index });
    }
    return index;
  }

  /** The module's bytes. */
  build(): Uint8Array {
    const out: number[] = [...MAGIC];
    section(out, SECTION.type, vector(this.typeBytes));
    const mem = this.memory;
    if (mem?.import !== undefined) {
      const entry: number[] = [];
      writeName(entry, mem.import[0]);
      writeName(entry, mem.import[1]);
      entry.push(EXTERN_MEMORY, ...limitsBytes(mem.limits));
      section(out, SECTION.import, vector([entry]));
    }
    section(
      out,
      SECTION.function,
      vector(
        this.functions.map((f) => {
          const b: number[] = [];
          writeU32(b, f.type);
          return b;
        }),
      ),
    );
    if (mem !== null && mem.import === undefined) section(out, SECTION.memory, vector([limitsBytes(mem.limits)]));
    const exports = this.exports.map((e) => {
      const b: number[] = [];
      writeName(b, e.name);
      b.push(EXTERN_FUNC);
      writeU32(b, e.index);
      return b;
    });
    if (mem !== null && mem.import === undefined) {
      const b: number[] = [];
      writeName(b, "memory");
      b.push(EXTERN_MEMORY, 0);
      exports.push(b);
    }
    section(out, SECTION.export, vector(exports));
    section(
      out,
      SECTION.code,
      vector(
        this.functions.map((f) => {
          const body = f.body.bytes();
          const b: number[] = [];
          writeU32(b, body.length);
          for (const x of body) b.push(x);
          return b;
        }),
      ),
    );
    return Uint8Array.from(out);
  }

  private setMemory(m: { import?: readonly [string, string]; limits: MemoryLimits }): void {
    if (this.memory !== null) throw new WasmEncodeError("wasm module: memory 0 is declared twice");
    this.memory = m;
  }

  private typeIndex(params: readonly ValType[], results: readonly ValType[]): number {
    const key = `${params.join(",")}>${results.join(",")}`;
    let index = this.types.indexOf(key);
    if (index < 0) {
      index = this.types.length;
      this.types.push(key);
      const b: number[] = [0x60];
      writeU32(b, params.length);
      b.push(...params);
      writeU32(b, results.length);
      b.push(...results);
      this.typeBytes.push(b);
    }
    return index;
  }
}

function limitsBytes(l: MemoryLimits): number[] {
  const b: number[] = [];
  if (l.shared === true && l.maximum === undefined) throw new WasmEncodeError("wasm module: a shared memory needs a maximum");
  b.push(l.maximum === undefined ? 0x00 : l.shared === true ? 0x03 : 0x01);
  writeU32(b, l.initial);
  if (l.maximum !== undefined) writeU32(b, l.maximum);
  return b;
}

function vector(items: readonly number[][]): number[] {
  const b: number[] = [];
  writeU32(b, items.length);
  for (const item of items) for (const x of item) b.push(x);
  return b;
}

function section(out: number[], id: number, payload: number[]): void {
  out.push(id);
  writeU32(out, payload.length);
  for (const x of payload) out.push(x);
}

/** Compiles module bytes synchronously. Throws where WebAssembly is missing or refuses them. */
export function compileModule(bytes: Uint8Array): WasmModule {
  const api = webAssembly();
  if (api === undefined) throw new WasmEncodeError("wasm: this platform has no WebAssembly");
  return new api.Module(bytes);
}

/** Instantiates a compiled module synchronously. */
export function instantiateModule(module: WasmModule, imports: WasmImports = {}): WasmInstance {
  const api = webAssembly();
  if (api === undefined) throw new WasmEncodeError("wasm: this platform has no WebAssembly");
  return new api.Instance(module, imports);
}
