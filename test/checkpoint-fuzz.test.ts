// Fuzzing train.load: 1,600 deterministic mutations of valid checkpoints (flipped bytes and
// bits, truncations, appended bytes, huge and off-by-some header lengths, overlapping and
// shifted offsets, wrong dtypes and shapes, broken JSON, hostile deep nesting, edited tree
// descriptions). Every variant must either raise a CheckpointError that names the file, or
// load correctly: each loaded tensor equal, bit for bit, to what an independent trusting
// reader finds at its offsets. A data-only mutation (no BOOL tensor touched) must always load.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { Tensor } from "../src/tensor/tensor.js";
import { CheckpointError, load, save } from "../src/train/index.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fluxion-ckpt-fuzz-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** mulberry32: a small seeded generator, so every run tries the same variants. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]! };
}

function baseFiles(): Buffer[] {
  const a = path.join(dir, "base-a.safetensors");
  save(a, {
    params: { conv: { w: fx.random.normal(fx.random.key(0), [2, 1, 3, 3]), b: fx.zeros([2]) }, fc: [fx.tensor(new Float64Array([0.5, -0, NaN]))] },
    state: { steps: fx.scalar(7, "int32"), mask: fx.tensor([true, false, true, true]), none: null },
    optState: [{ count: fx.scalar(1, "int32") }, 3],
    meta: { epoch: 2, name: "fuzz" },
  });
  const b = path.join(dir, "base-b.safetensors");
  save(b, { params: { w: fx.ones([3, 2]), empty: fx.zeros([0]), i: fx.tensor(new Int32Array([1, -2, 3])) } });
  return [fs.readFileSync(a), fs.readFileSync(b)];
}

interface Layout {
  readonly n: number;
  readonly header: Record<string, any>;
}

function layoutOf(bytes: Buffer): Layout {
  const n = Number(bytes.readBigUInt64LE(0));
  return { n, header: JSON.parse(bytes.subarray(8, 8 + n).toString("utf8")) };
}

/** A file with `header` re-serialised in place of the original (data unchanged). */
function withHeader(bytes: Buffer, header: unknown, text = JSON.stringify(header)): Buffer {
  const { n } = layoutOf(bytes);
  const json = Buffer.from(text, "utf8");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, bytes.subarray(8 + n)]);
}

type Mutation = (bytes: Buffer, r: ReturnType<typeof rng>) => { bytes: Buffer; dataOnly: boolean };

const tensorNames = (h: Record<string, any>) => Object.keys(h).filter((k) => k !== "__metadata__");

const MUTATIONS: Record<string, Mutation> = {
  flipByte(bytes, r) {
    const out = Buffer.from(bytes);
    const i = r.int(out.length);
    out[i]! ^= 1 + r.int(255);
    return { bytes: out, dataOnly: false };
  },
  flipBit(bytes, r) {
    const out = Buffer.from(bytes);
    out[r.int(out.length)]! ^= 1 << r.int(8);
    return { bytes: out, dataOnly: false };
  },
  flipDataByte(bytes, r) {
    const { n, header } = layoutOf(bytes);
    const out = Buffer.from(bytes);
    const nonBool = tensorNames(header).filter((k) => header[k].dtype !== "BOOL" && header[k].data_offsets[1] > header[k].data_offsets[0]);
    const e = header[r.pick(nonBool)];
    const [b, end] = e.data_offsets;
    out[8 + n + b + r.int(end - b)]! ^= 1 + r.int(255);
    return { bytes: out, dataOnly: true };
  },
  truncate(bytes, r) {
    return { bytes: bytes.subarray(0, r.int(bytes.length)), dataOnly: false };
  },
  append(bytes, r) {
    return { bytes: Buffer.concat([bytes, Buffer.from(Array.from({ length: 1 + r.int(16) }, () => r.int(256)))]), dataOnly: false };
  },
  overwriteRange(bytes, r) {
    const out = Buffer.from(bytes);
    const at = r.int(out.length);
    for (let i = at; i < Math.min(out.length, at + 1 + r.int(12)); i++) out[i] = r.int(256);
    return { bytes: out, dataOnly: false };
  },
  hugeLength(bytes, r) {
    const out = Buffer.from(bytes);
    out.writeBigUInt64LE(r.pick([2n ** 64n - 1n, 2n ** 63n, 2n ** 53n + 1n, BigInt(2 ** 32), BigInt(100_000_001), BigInt(out.length)]));
    return { bytes: out, dataOnly: false };
  },
  nudgeLength(bytes, r) {
    const out = Buffer.from(bytes);
    const n = out.readBigUInt64LE(0);
    const d = BigInt(r.int(33) - 16);
    out.writeBigUInt64LE(n + d < 0n ? 0n : n + d);
    return { bytes: out, dataOnly: false };
  },
  overlapOffsets(bytes, r) {
    const { header } = layoutOf(bytes);
    const names = tensorNames(header);
    const e = header[r.pick(names)];
    const shift = r.pick([-8, -4, -1, 1, 4, 8]);
    e.data_offsets = [e.data_offsets[0] + shift, e.data_offsets[1] + shift];
    return { bytes: withHeader(bytes, header), dataOnly: false };
  },
  swapOffsets(bytes, r) {
    const { header } = layoutOf(bytes);
    const names = tensorNames(header);
    const a = header[r.pick(names)];
    const b = header[r.pick(names)];
    [a.data_offsets, b.data_offsets] = [b.data_offsets, a.data_offsets];
    return { bytes: withHeader(bytes, header), dataOnly: false };
  },
  wrongDtype(bytes, r) {
    const { header } = layoutOf(bytes);
    header[r.pick(tensorNames(header))].dtype = r.pick(["F16", "BF16", "I64", "U8", "F32", "F64", "I32", "BOOL", "f32", 3, null]);
    return { bytes: withHeader(bytes, header), dataOnly: false };
  },
  wrongShape(bytes, r) {
    const { header } = layoutOf(bytes);
    const e = header[r.pick(tensorNames(header))];
    e.shape = r.pick([[], [0], [-1], [1.5], ["2"], [2 ** 31, 2 ** 31], [1e308], [...e.shape].reverse(), [...e.shape, 1], [...e.shape, 2], null]);
    return { bytes: withHeader(bytes, header), dataOnly: false };
  },
  dropOrDuplicateEntry(bytes, r) {
    const { header } = layoutOf(bytes);
    const name = r.pick(tensorNames(header));
    if (r.next() < 0.5) delete header[name];
    else header[`${name}.copy`] = { ...header[name] };
    return { bytes: withHeader(bytes, header), dataOnly: false };
  },
  badJson(bytes, r) {
    const { n } = layoutOf(bytes);
    const text = bytes.subarray(8, 8 + n).toString("utf8");
    const cut = text.slice(0, r.int(text.length));
    const variants = [cut, `${text}}`, text.replace(/"/, "'"), text.replace(/:/, ""), `[${text}]`, "null", "{}", " {}", text.replace(/\{/, "{\"a\":1,")];
    return { bytes: withHeader(bytes, null, r.pick(variants)), dataOnly: false };
  },
  deepNesting(bytes, r) {
    // Hostile JSON nested far deeper than any stack: as a tensor entry or as a tree node.
    const { n, header } = layoutOf(bytes);
    const k = 1000 + r.int(150_000);
    const deep = `${"[".repeat(k)}${"]".repeat(k)}`;
    if (r.next() < 0.5) return { bytes: withHeader(bytes, null, bytes.subarray(8, 8 + n).toString("utf8").replace(/^\{/, `{"deep":${deep},`)), dataOnly: false };
    header["__metadata__"]["fluxion.tree"] = `[["params",["a",${deep}]]]`;
    return { bytes: withHeader(bytes, header), dataOnly: false };
  },
  editTree(bytes, r) {
    const { header } = layoutOf(bytes);
    const m = header["__metadata__"];
    const text: string = m["fluxion.tree"];
    const edits = [
      () => text.replace(/"t"/, '"x"'),
      () => text.replace(/"o"/, '"a"'),
      () => text.replace(/"a"/, '"o"'),
      () => text.replace(/\["u"\]/, '["u",1]'),
      () => text.replace(/"n","3"/, '"n","three"'),
      () => text.replace(/"params"/, '"state"'),
      () => text.replace(/,\["t","[^"]*"\]/, ""),
      () => text.replace(/\["t","([^"]*)"\]/, '["t","$1",1]'),
      () => text.slice(0, r.int(text.length)),
      () => JSON.stringify(JSON.parse(text).reverse()),
      () => "[]",
    ];
    m["fluxion.tree"] = r.pick(edits)();
    if (r.next() < 0.2) m["fluxion.meta"] = r.pick(["{", "1", "null", "[1,2]"]);
    return { bytes: withHeader(bytes, header), dataOnly: false };
  },
};

/** A trusting reader: each tensor's bytes as a typed array, by name. */
function trustingRead(bytes: Buffer): Map<string, { dtype: string; shape: number[]; data: ArrayLike<number> }> {
  const { n, header } = layoutOf(bytes);
  const out = new Map();
  for (const name of tensorNames(header)) {
    const { dtype, shape, data_offsets: [b, e] } = header[name];
    const raw = new Uint8Array(bytes.subarray(8 + n + b, 8 + n + e)).slice().buffer;
    const data = dtype === "F32" ? new Float32Array(raw) : dtype === "F64" ? new Float64Array(raw) : dtype === "I32" ? new Int32Array(raw) : new Uint8Array(raw);
    out.set(name, { dtype, shape, data });
  }
  return out;
}

/** The tensor names of a tree description, in the order `load` walks them. */
function namesInOrder(node: any, out: string[] = []): string[] {
  if (node[0] === "t") out.push(node[1]);
  else if (node[0] === "a") node[1].forEach((c: any) => namesInOrder(c, out));
  else if (node[0] === "o") node[1].forEach((e: any) => namesInOrder(e[1], out));
  return out;
}

/** The tensors of a loaded tree in key order (objects in insertion order). */
function tensorsInOrder(tree: unknown, out: Tensor[] = []): Tensor[] {
  if (tree instanceof Tensor) out.push(tree);
  else if (Array.isArray(tree)) tree.forEach((c) => tensorsInOrder(c, out));
  else if (typeof tree === "object" && tree !== null) Object.keys(tree).forEach((k) => tensorsInOrder((tree as Record<string, unknown>)[k], out));
  return out;
}

const DTYPE_OF: Record<string, string> = { F32: "float32", F64: "float64", I32: "int32", BOOL: "bool" };

/** A successful load must agree with the trusting reader on every tensor. */
function expectCorrectLoad(bytes: Buffer, loaded: Record<string, unknown>): void {
  const stored = trustingRead(bytes);
  const { header } = layoutOf(bytes);
  const tree = header["__metadata__"]?.["fluxion.tree"];
  // Without fluxion's tree description (a mutated key), load gives { params: name → tensor }.
  const parts: [string, unknown][] = tree === undefined ? [["params", ["o", [...stored.keys()].map((k) => [k, ["t", k]])]]] : JSON.parse(tree);
  for (const [part, node] of parts) {
    const names = namesInOrder(node);
    const got = tensorsInOrder(loaded[part]);
    expect(got.length).toBe(names.length);
    names.forEach((name, i) => {
      const want = stored.get(name)!;
      const t = got[i]!;
      expect(t.dtype).toBe(DTYPE_OF[want.dtype]);
      expect(t.shape).toEqual(want.shape);
      const d = t.data();
      expect(d.length).toBe(want.data.length);
      for (let j = 0; j < d.length; j++) if (!Object.is(d[j], want.data[j])) throw new Error(`${name}[${j}]: loaded ${d[j]}, stored ${want.data[j]}`);
    });
  }
}

describe("load under fuzzing", () => {
  it("gives a CheckpointError naming the file, or a correct load, for each of 1,600 mutated files", () => {
    const bases = baseFiles();
    const r = rng(20261130);
    const names = Object.keys(MUTATIONS);
    const file = path.join(dir, "variant.safetensors");
    const outcomes: Record<string, { ok: number; rejected: number }> = {};
    const VARIANTS = 1600;
    for (let v = 0; v < VARIANTS; v++) {
      const kind = names[v % names.length]!;
      const { bytes, dataOnly } = MUTATIONS[kind]!(r.pick(bases), r);
      fs.writeFileSync(file, bytes);
      const tally = (outcomes[kind] ??= { ok: 0, rejected: 0 });
      let loaded: Record<string, unknown>;
      try {
        loaded = load(file) as unknown as Record<string, unknown>;
      } catch (e) {
        if (!(e instanceof CheckpointError) || !e.message.startsWith(`load: ${file}: `)) {
          throw new Error(`variant ${v} (${kind}): expected a CheckpointError naming the file, got ${String(e)}`);
        }
        if (dataOnly) throw new Error(`variant ${v} (${kind}): a data-only change was rejected: ${e.message}`);
        tally.rejected++;
        continue;
      }
      tally.ok++;
      try {
        expectCorrectLoad(bytes, loaded);
      } catch (e) {
        throw new Error(`variant ${v} (${kind}) loaded wrongly: ${(e as Error).message}`);
      }
    }
    if (process.env.FUZZ_REPORT) console.log(outcomes);
    // Each kind of damage was tried many times, and the hostile ones were all caught.
    for (const kind of names) expect(outcomes[kind]!.ok + outcomes[kind]!.rejected).toBeGreaterThanOrEqual(100);
    for (const kind of ["truncate", "hugeLength", "overlapOffsets", "badJson", "deepNesting"]) expect(outcomes[kind]!.ok, kind).toBe(0);
    expect(outcomes["flipDataByte"]!.rejected).toBe(0);
    expect(outcomes["wrongDtype"]!.rejected).toBeGreaterThan(50);
  });
});
