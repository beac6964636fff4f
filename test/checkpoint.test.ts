// train.save / train.load: bit-exact round trips of every dtype, the trees' structure, the
// safetensors layout on disk, atomic writes, and a clear CheckpointError for each kind of
// broken file.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { FluxionError } from "../src/errors.js";
import { weakScalar } from "../src/tensor/create.js";
import { Tensor } from "../src/tensor/tensor.js";
import { CheckpointError, load, save } from "../src/train/index.js";
import { encode } from "../src/train/safetensors.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fluxion-ckpt-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const fresh = (name = "c") => path.join(dir, `${name}-${counter++}.safetensors`);

/** Every element identical by Object.is, dtype and shape equal. */
function expectSameTensor(a: unknown, b: unknown): void {
  expect(a).toBeInstanceOf(Tensor);
  expect(b).toBeInstanceOf(Tensor);
  const x = a as Tensor;
  const y = b as Tensor;
  expect(y.dtype).toBe(x.dtype);
  expect(y.shape).toEqual(x.shape);
  expect(y.weak).toBe(x.weak);
  const dx = x.data();
  const dy = y.data();
  expect(dy.length).toBe(dx.length);
  for (let i = 0; i < dx.length; i++) if (!Object.is(dx[i], dy[i])) throw new Error(`element ${i}: ${dx[i]} vs ${dy[i]}`);
}

/** Deep comparison: same structure (key order included), tensors bit-exact, other leaves Object.is. */
function expectSameTree(a: unknown, b: unknown, at = "root"): void {
  if (a instanceof Tensor) return expectSameTensor(a, b);
  if (Array.isArray(a)) {
    expect(Array.isArray(b), at).toBe(true);
    expect((b as unknown[]).length, at).toBe(a.length);
    return a.forEach((c, i) => expectSameTree(c, (b as unknown[])[i], `${at}.${i}`));
  }
  if (typeof a === "object" && a !== null) {
    expect(Object.keys(b as object), at).toEqual(Object.keys(a));
    return Object.keys(a).forEach((k) => expectSameTree((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`));
  }
  expect(Object.is(a, b), `${at}: ${String(a)} vs ${String(b)}`).toBe(true);
}

function headerOf(file: string): Record<string, any> {
  const bytes = fs.readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  return JSON.parse(bytes.subarray(8, 8 + n).toString("utf8"));
}

const special32 = new Float32Array([0, -0, 1.5, -2.25, NaN, Infinity, -Infinity, 1e-45, -1e-45, 3.4028234663852886e38, 1.1754943508222875e-38, Math.fround(0.1)]);
const special64 = new Float64Array([0, -0, 0.1, -1 / 3, NaN, Infinity, -Infinity, 5e-324, -5e-324, Number.MAX_VALUE, 2.2250738585072014e-308, Math.PI]);
const ints = new Int32Array([0, 1, -1, 2147483647, -2147483648, 12345, -9876]);

describe("round trip", () => {
  it("is bit-exact for float32, float64, int32 and bool, −0, NaN, ±Infinity and subnormals included", () => {
    const params = {
      f32: fx.tensor(special32, { shape: [3, 4] }),
      f64: fx.tensor(special64, { shape: [2, 2, 3] }),
      i32: fx.tensor(ints),
      b: fx.tensor([[true, false, true], [false, false, true]]),
      scalar: fx.scalar(-0, "float32"),
      empty: fx.zeros([2, 0, 3]),
    };
    const file = fresh();
    save(file, { params });
    const back = load(file);
    expect(Object.keys(back)).toEqual(["params"]);
    expectSameTree(params, back.params);
  });

  it("keeps the trees' structure: key order, arrays, null, undefined, numbers, strings, booleans, weak scalars, awkward keys", () => {
    const w = fx.ones([2]);
    const params = { zeta: w, alpha: [fx.zeros([1]), null, { "": fx.full([1], 7) }], "a.b": fx.ones([3]), a: { b: fx.zeros([3]) } };
    const proto = Object.create(null);
    Object.defineProperty(proto, "__proto__", { value: fx.full([1], 2), enumerable: true });
    const state = { counts: [1, -0, NaN, Infinity, -Infinity, 0.1, 2 ** 60], flag: true, name: "λ model", nothing: undefined, weird: proto, nested: [[[]], {}] };
    const optState = [{ count: fx.scalar(3, "int32") }, weakScalar(0.5), weakScalar(2)];
    const meta = { epoch: 3, history: [{ loss: 0.25 }], note: "ünïcödé \u0000 ok", nil: null };
    const file = fresh();
    save(file, { params, state, optState, meta });
    const back = load(file);
    expect(Object.keys(back)).toEqual(["params", "state", "optState", "meta"]);
    expectSameTree(params, back.params);
    expectSameTree(state, back.state);
    expectSameTree(optState, back.optState);
    expect(back.meta).toEqual(meta);
    expect(Object.getPrototypeOf((back.state as any).weird)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call((back.state as any).weird, "__proto__")).toBe(true);
  });

  it("round-trips a LeNet-5's parameters and its Adam state after a step", () => {
    const model = fx.nn.models.lenet5();
    const { params, state } = model.init(fx.random.key(0), [1, 28, 28]);
    const opt = fx.optim.adam(1e-3);
    const grads = fx.tree.map((p: Tensor) => fx.onesLike(p), params);
    const [updates, optState] = opt.update(grads, opt.init(params), params);
    const next = fx.optim.applyUpdates(params, updates);
    const file = fresh("lenet");
    save(file, { params: next, state, optState, meta: { model: "lenet5", step: 1 } });
    const back = load(file);
    expectSameTree(next, back.params);
    expectSameTree(state, back.state);
    expectSameTree(optState, back.optState);
    // The loaded weights compute the same function.
    const x = fx.random.uniform(fx.random.key(1), [2, 1, 28, 28]);
    expectSameTensor(model.apply(next as fx.nn.layers.Tree, state, x)[0], model.apply(back.params as any, back.state as any, x)[0]);
  });
});

describe("the file", () => {
  it("is safetensors: u64 header length, JSON header with pytree-path names, offsets tiling the data, header padded to 8 bytes", () => {
    const file = fresh();
    save(file, { params: { layers: [{ w: fx.ones([2, 3]), b: fx.zeros([3], { dtype: "float64" }) }] }, state: { n: fx.scalar(1, "int32") } });
    const bytes = fs.readFileSync(file);
    const n = Number(bytes.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const header = headerOf(file);
    expect(header["params.layers.0.w"]).toEqual({ dtype: "F32", shape: [2, 3], data_offsets: [0, 24] });
    expect(header["params.layers.0.b"]).toEqual({ dtype: "F64", shape: [3], data_offsets: [24, 48] });
    expect(header["state.n"]).toEqual({ dtype: "I32", shape: [], data_offsets: [48, 52] });
    expect(bytes.length).toBe(8 + n + 52);
    expect(bytes.readFloatLE(8 + n)).toBe(1);
    const metadata = header["__metadata__"];
    expect(Object.values(metadata).every((v) => typeof v === "string")).toBe(true);
    expect(metadata["fluxion.format"]).toBe("1");
  });

  it("names colliding paths apart (a key with a dot vs a nested key)", () => {
    const file = fresh();
    save(file, { params: { "a.b": fx.ones([1]), a: { b: fx.zeros([1]) } } });
    expect(Object.keys(headerOf(file)).filter((k) => k !== "__metadata__").sort()).toEqual(["params.a.b", "params.a.b#1"]);
  });

  it("loads a safetensors file written without fluxion's tree description as { params: name → tensor }, metadata as meta", () => {
    const file = fresh();
    const a = new Float32Array([1, 2, 3]);
    fs.writeFileSync(file, encode([{ name: "weight", dtype: "float32", shape: [3], data: a }, { name: "bias", dtype: "int32", shape: [1], data: new Int32Array([4]) }], { format: "pt" }));
    const back = load(file);
    expect(Object.keys(back.params as object)).toEqual(["weight", "bias"]);
    expect((back.params as any).weight.toArray()).toEqual([1, 2, 3]);
    expect(back.meta).toEqual({ format: "pt" });
  });
});

describe("save rejects what a checkpoint cannot hold", () => {
  const cases: [string, () => void, RegExp][] = [
    ["a function leaf", () => save(fresh(), { params: { f: () => 1 } }), /save: params\.f is function; a checkpoint holds tensors/],
    ["a Map leaf", () => save(fresh(), { params: { m: new Map() } }), /save: params\.m is a Map/],
    ["a cycle", () => { const p: any = { w: fx.ones([1]) }; p.self = p; save(fresh(), { params: p }); }, /save: params\.self contains itself/],
    ["meta with NaN", () => save(fresh(), { params: {}, meta: { loss: NaN } }), /save: meta\.loss is NaN, which JSON cannot hold/],
    ["meta with a tensor", () => save(fresh(), { params: {}, meta: { t: fx.ones([1]) } }), /save: meta\.t is a Tensor; meta must be JSON/],
    ["an unknown part", () => save(fresh(), { params: {}, opt: {} } as any), /save: unknown option "opt"; did you mean "optState"\?/],
    ["no params", () => save(fresh(), { state: {} } as any), /save: checkpoint: expected \{ params, state\?, optState\?, meta\? \}, got no params/],
    ["not an object", () => save(fresh(), null as any), /save: .*expected an options object \{ params, state, optState, meta \}/],
    ["a traced tensor", () => fx.trace((x: Tensor) => { save(fresh(), { params: { x } }); return x; })(fx.ones([1])), /save: params\.x is a traced tensor/],
  ];
  for (const [what, f, message] of cases) {
    it(what, () => {
      expect(f).toThrow(FluxionError);
      expect(f).toThrow(message);
    });
  }
});

describe("writes are atomic", () => {
  it("replaces an existing file whole and leaves no temporary file", () => {
    const file = fresh("atomic");
    save(file, { params: { w: fx.ones([4]) } });
    save(file, { params: { w: fx.zeros([2]), v: fx.ones([1]) } });
    expect((load(file).params as any).w.toArray()).toEqual([0, 0]);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("on a failed rename removes the temporary file and leaves the target untouched", () => {
    const target = path.join(dir, `target-dir-${counter++}`);
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, "keep"), "x");
    expect(() => save(target, { params: { w: fx.ones([1]) } })).toThrow(/save: .*target-dir-\d+: cannot write the checkpoint .*the previous file, if any, is unchanged/);
    expect(fs.readFileSync(path.join(target, "keep"), "utf8")).toBe("x");
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("fails cleanly when the directory does not exist", () => {
    expect(() => save(path.join(dir, "no-such-dir", "c.safetensors"), { params: {} })).toThrow(CheckpointError);
  });

  it("leaves the old file as it was when the checkpoint is rejected", () => {
    const file = fresh("keep");
    save(file, { params: { w: fx.ones([3]) } });
    const before = fs.readFileSync(file);
    expect(() => save(file, { params: { w: fx.ones([3]), bad: Symbol("x") } })).toThrow(FluxionError);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });
});

/** A file of the given raw header object and data bytes. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), headerText = JSON.stringify(header)): string {
  const json = Buffer.from(headerText, "utf8");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const file = fresh("raw");
  fs.writeFileSync(file, Buffer.concat([len, json, data]));
  return file;
}

describe("load rejects broken files with a CheckpointError naming the file", () => {
  const f32 = (offsets: [number, number], shape = [2]) => ({ dtype: "F32", shape, data_offsets: offsets });
  const eight = new Uint8Array(8);
  const cases: [string, () => string, RegExp][] = [
    ["a missing file", () => path.join(dir, "absent.safetensors"), /cannot open the checkpoint/],
    ["a directory", () => { const d = path.join(dir, `a-dir-${counter++}`); fs.mkdirSync(d); return d; }, /cannot read the checkpoint \(EISDIR/],
    ["an empty file", () => { const f = fresh(); fs.writeFileSync(f, ""); return f; }, /truncated: the file is 0 bytes/],
    ["a file shorter than the length field", () => { const f = fresh(); fs.writeFileSync(f, Buffer.from([1, 0, 0])); return f; }, /truncated: the file is 3 bytes/],
    ["a header length past the end", () => { const f = fresh(); const b = Buffer.alloc(16); b.writeBigUInt64LE(9n); fs.writeFileSync(f, b); return f; }, /header length 9 runs past the end of the file \(8 bytes follow/],
    ["a huge header length", () => { const f = fresh(); const b = Buffer.alloc(16); b.writeBigUInt64LE(2n ** 64n - 1n); fs.writeFileSync(f, b); return f; }, /header length 18446744073709551615 runs past the end/],
    ["a header that is not JSON", () => rawFile(null, undefined, "{not json"), /the header is not valid JSON/],
    ["a header that is not an object", () => rawFile(null, undefined, "[1,2]"), /must be a JSON object starting with "\{"/],
    ["a header that is not UTF-8", () => { const f = fresh(); const b = Buffer.concat([Buffer.alloc(8), Buffer.from([0x7b, 0xff, 0x7d])]); b.writeBigUInt64LE(3n); fs.writeFileSync(f, b); return f; }, /the header is not valid UTF-8/],
    ["an unknown dtype", () => rawFile({ w: { dtype: "F16", shape: [4], data_offsets: [0, 8] } }, eight), /tensor "w": expected \{ dtype: "F32"\|"F64"\|"I32"\|"BOOL"/],
    ["a negative dimension", () => rawFile({ w: f32([0, 8], [-2]) }, eight), /tensor "w": expected/],
    ["a missing field", () => rawFile({ w: { dtype: "F32", shape: [2] } }, eight), /tensor "w": expected/],
    ["offsets past the buffer", () => rawFile({ w: f32([0, 16], [4]) }, eight), /data_offsets \[0, 16\] run past the 8-byte data buffer/],
    ["offsets reversed", () => rawFile({ w: f32([8, 0]) }, eight), /data_offsets \[8, 0\] end before they begin/],
    ["a size that does not match the shape", () => rawFile({ w: f32([0, 8], [3]) }, eight), /shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] hold 8/],
    ["a shape too large to allocate", () => rawFile({ w: f32([0, 8], [1e9, 1e9, 1e9]) }, eight), /has more than 2147483647 elements/],
    ["overlapping tensors", () => rawFile({ a: f32([0, 8]), b: f32([4, 12]) }, new Uint8Array(12)), /overlap the previous tensor/],
    ["a hole in the data", () => rawFile({ a: f32([0, 8]), b: f32([12, 20]) }, new Uint8Array(20)), /has a hole: bytes \[8, 12\) belong to no tensor/],
    ["trailing bytes", () => rawFile({ a: f32([0, 8]) }, new Uint8Array(12)), /4 bytes after the last tensor/],
    ["metadata that is not string → string", () => rawFile({ __metadata__: { a: 1 } }), /"__metadata__" must map strings to strings/],
    ["a BOOL byte other than 0 or 1", () => rawFile({ b: { dtype: "BOOL", shape: [2], data_offsets: [0, 2] } }, new Uint8Array([1, 7])), /a BOOL element holds byte 7 at index 1/],
    ["a tree naming a missing tensor", () => rawFile({ __metadata__: { "fluxion.tree": JSON.stringify([["params", ["t", "nope"]]]) } }), /tensor "nope" is not in the file/],
    ["a tree using a tensor twice", () => rawFile({ __metadata__: { "fluxion.tree": JSON.stringify([["params", ["a", [["t", "w"], ["t", "w"]]]]]) }, w: f32([0, 8]) }, eight), /tensor "w" appears twice/],
    ["a tree leaving a tensor out", () => rawFile({ __metadata__: { "fluxion.tree": JSON.stringify([["params", ["o", []]]]) }, w: f32([0, 8]) }, eight), /tensor "w" is in the file but not in the tree description/],
    ["a tree that is not JSON", () => rawFile({ __metadata__: { "fluxion.tree": "[[" } }), /metadata "fluxion.tree" is not valid JSON/],
    ["a tree without params", () => rawFile({ __metadata__: { "fluxion.tree": JSON.stringify([["state", ["o", []]]]) } }), /must list \[part, tree\] pairs/],
    ["an unknown node kind", () => rawFile({ __metadata__: { "fluxion.tree": JSON.stringify([["params", ["x"]]]) } }), /unknown node kind "x"/],
    ["meta that is not JSON", () => rawFile({ __metadata__: { "fluxion.tree": JSON.stringify([["params", ["o", []]]]), "fluxion.meta": "{" } }), /metadata "fluxion.meta" is not valid JSON/],
  ];
  for (const [what, make, message] of cases) {
    it(what, () => {
      const file = make();
      let error: unknown;
      try {
        load(file);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CheckpointError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message.startsWith(`load: ${file}: `)).toBe(true);
    });
  }

  it("names hostile deeply nested JSON without overflowing the stack", () => {
    const deep = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
    const entry = rawFile(null, undefined, `{"w":${deep}}`);
    expect(() => load(entry)).toThrow(/tensor "w": expected \{ dtype.*got \[\[\[…\]\]\]/);
    const tree = `[["params",["o",[[1,${deep}]]]]]`;
    const node = rawFile(null, undefined, `{"__metadata__":{"fluxion.tree":${JSON.stringify(tree)}}}`);
    expect(() => load(node)).toThrow(/an object node is \["o", \[\[key, node\], …\]\], got \["o",\[\[…\]\]\]/);
  });

  it("rejects a tree nested deeper than the limit without overflowing the stack", () => {
    let node: unknown = ["o", []];
    for (let i = 0; i < 2000; i++) node = ["a", [node]];
    const file = rawFile({ __metadata__: { "fluxion.tree": JSON.stringify([["params", node]]) } });
    expect(() => load(file)).toThrow(/the tree nests deeper than 256 levels/);
  });
});
