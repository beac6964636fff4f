// The part of the host's WebAssembly API the compiler uses, typed here so the core needs neither
// the DOM typings nor Node's: `webAssembly()` is the global object, or undefined where the host
// has none.

/** A compiled module (opaque). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

/** An instance: its exported functions by name. */
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

/** A linear memory. `grow` detaches the old `buffer`. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** Imports by module and field name. */
export type WasmImports = Record<string, Record<string, unknown>>;

export interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => WasmModule;
  readonly Instance: new (module: WasmModule, imports: WasmImports) => WasmInstance;
  readonly Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

/** The host's WebAssembly object, or undefined. */
export function webAssembly(): WasmApi | undefined {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  return typeof api === "object" && api !== null ? api : undefined;
}
