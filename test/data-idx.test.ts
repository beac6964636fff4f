// fx.data.loadIdx / readIdx on small IDX files written here (raw and gzip), including corrupt
// variants: every bad file is a DataFormatError naming the file and the fault, never a crash.

import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { DataFormatError, DataNotFoundError } from "../src/data/errors.js";
import { runs } from "../props/runs.js";
import { rmSync } from "node:fs";

const dir = mkdtempSync(join(tmpdir(), "fluxion-idx-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function write(bytes: Uint8Array, name = `f${counter++}.idx`): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

// An IDX writer from the format's description, independent of src/data/idx.ts.
const CODES = { ubyte: [0x08, 1], byte: [0x09, 1], short: [0x0b, 2], int: [0x0c, 4], float: [0x0d, 4], double: [0x0e, 8] } as const;
type Kind = keyof typeof CODES;
function idx(kind: Kind, shape: number[], values: number[]): Uint8Array {
  const [code, width] = CODES[kind];
  const buf = Buffer.alloc(4 + 4 * shape.length + values.length * width);
  buf[2] = code;
  buf[3] = shape.length;
  shape.forEach((d, i) => buf.writeUInt32BE(d, 4 + 4 * i));
  let at = 4 + 4 * shape.length;
  for (const v of values) {
    if (kind === "ubyte") buf.writeUInt8(v, at);
    else if (kind === "byte") buf.writeInt8(v, at);
    else if (kind === "short") buf.writeInt16BE(v, at);
    else if (kind === "int") buf.writeInt32BE(v, at);
    else if (kind === "float") buf.writeFloatBE(v, at);
    else buf.writeDoubleBE(v, at);
    at += width;
  }
  return new Uint8Array(buf);
}

describe("loadIdx: valid files", () => {
  it("reads a ubyte image file as int32 with its shape, raw and gzip alike", () => {
    const values = Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 37) % 256);
    const bytes = idx("ubyte", [2, 3, 4], values);
    for (const path of [write(bytes, "a.idx"), write(gzipSync(bytes), "a-but-no-gz-extension.idx"), write(gzipSync(bytes), "b.gz")]) {
      const x = fx.data.loadIdx(path);
      expect(x.dtype).toBe("int32");
      expect(x.shape).toEqual([2, 3, 4]);
      expect(Array.from(x.data())).toEqual(values);
    }
  });

  it("decodes each element type big-endian: byte, short, int as int32, float as float32, double as float64", () => {
    const cases: [Kind, number[], string][] = [
      ["byte", [-128, -1, 0, 127], "int32"],
      ["short", [-32768, -2, 258, 32767], "int32"],
      ["int", [-(2 ** 31), -3, 65536 + 7, 2 ** 31 - 1], "int32"],
      ["float", [-1.5, 0.1, 3e38, -0], "float32"],
      ["double", [Math.PI, -0, 1e-300, Number.NaN], "float64"],
    ];
    for (const [kind, values, dtype] of cases) {
      const x = fx.data.loadIdx(write(idx(kind, [4], values)));
      expect(x.dtype).toBe(dtype);
      const expected = kind === "float" ? Array.from(Float32Array.from(values)) : values;
      Array.from(x.data()).forEach((v, i) => expect(Object.is(v, expected[i])).toBe(true));
      const raw = fx.data.readIdx(write(idx(kind, [2, 2], values)));
      expect(raw.type).toBe(kind);
      expect(raw.shape).toEqual([2, 2]);
    }
  });

  it("reads rank 0 (one element) and empty dimensions", () => {
    expect(fx.data.loadIdx(write(idx("int", [], [42]))).item()).toBe(42);
    expect(fx.data.loadIdx(write(idx("ubyte", [0, 28, 28], []))).shape).toEqual([0, 28, 28]);
  });

  it("round-trips any small array of any type (property)", () => {
    const kinds = Object.keys(CODES) as Kind[];
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }), fc.boolean(), (kind, shape, gz) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const values = Array.from({ length: n }, (_, i) => (kind === "ubyte" ? (i * 7) % 256 : kind === "float" || kind === "double" ? i / 4 - 1 : i - 3));
        const bytes = idx(kind, shape, values);
        const got = fx.data.readIdx(write(gz ? gzipSync(bytes) : bytes));
        expect(got.type).toBe(kind);
        expect(got.shape).toEqual(shape);
        expect(Array.from(got.data)).toEqual(values);
      }),
      runs(100),
    );
  });
});

describe("loadIdx: bad files are DataFormatErrors naming the file and the fault", () => {
  const good = idx("ubyte", [3, 2, 2], Array.from({ length: 12 }, (_, i) => i));
  const cases: [string, Uint8Array, RegExp][] = [
    ["an empty file", new Uint8Array(0), /truncated header: 0 bytes/],
    ["a truncated magic", good.subarray(0, 3), /truncated header: 3 bytes/],
    ["a truncated dimension list", good.subarray(0, 10), /truncated header: rank 3 needs 16 header bytes, the file has 10/],
    ["truncated data", good.subarray(0, good.length - 1), /dimensions \[3,2,2\] of ubyte need more than the 11 data bytes/],
    ["a wrong magic", Uint8Array.from([0x50, 0x4b, 3, 4, ...good.subarray(4)]), /not an IDX file: the magic number starts with 50 4b/],
    ["an unknown type code", Uint8Array.from([0, 0, 0x0a, ...good.subarray(3)]), /unknown IDX type code 0a/],
    ["extra trailing bytes", Uint8Array.from([...good, 1, 2, 3]), /need 12 data bytes, the file has 15 \(3 extra bytes at the end\)/],
    ["absurd dimensions 2^31 × 2^31", idx("ubyte", [2 ** 31, 2 ** 31], []), /dimensions \[2147483648,2147483648\] of ubyte need more than the 0 data bytes/],
    ["absurd dimensions of doubles", Uint8Array.from([...idx("double", [4294967295, 4294967295, 4294967295], []), 1, 2, 3]), /need more than the 3 data bytes/],
    ["a corrupt gzip stream", Uint8Array.from([...gzipSync(good).subarray(0, 12), 0xff, 0xff, 0xff, 0xff]), /corrupt gzip data/],
    ["a truncated gzip stream", gzipSync(good).subarray(0, 20), /corrupt gzip data/],
  ];
  for (const [what, bytes, message] of cases) {
    it(`rejects ${what}`, () => {
      const path = write(bytes);
      for (const load of [fx.data.loadIdx, fx.data.readIdx]) {
        let error: unknown;
        try {
          load(path);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(DataFormatError);
        expect(error).toBeInstanceOf(fx.FluxionError);
        expect((error as Error).message).toContain(path);
        expect((error as Error).message).toMatch(message);
      }
    });
  }

  it("bounds inflated size by maxBytes: a gzip bomb stops at the bound", () => {
    const big = gzipSync(new Uint8Array(1 << 20)); // 1 MiB of zeros, ~1 KB compressed
    const path = write(big);
    expect(() => fx.data.loadIdx(path, { maxBytes: 1 << 16 })).toThrow(/inflates to more than maxBytes 65536 bytes/);
    expect(() => fx.data.loadIdx(write(good), { maxBytes: 8 })).toThrow(/the file has 28 bytes, more than maxBytes 8/);
  });

  it("random mutations of a valid file load correctly or fail with a DataFormatError (property)", () => {
    const gz = gzipSync(good);
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), (useGz, flips, cut) => {
        const bytes = Uint8Array.from(useGz ? gz : good);
        for (const [at, v] of flips) bytes[at % bytes.length] = v;
        const mutated = bytes.subarray(0, bytes.length - (cut % 3));
        try {
          const x = fx.data.readIdx(write(mutated, "mutated.idx"));
          expect(x.data.length).toBe(x.shape.reduce((a, b) => a * b, 1));
        } catch (e) {
          expect(e).toBeInstanceOf(DataFormatError);
        }
      }),
      runs(200),
    );
  });

  it("a missing file or a directory is a DataNotFoundError naming the path; options are validated", () => {
    expect(() => fx.data.loadIdx(join(dir, "nope.idx"))).toThrow(DataNotFoundError);
    expect(() => fx.data.loadIdx(join(dir, "nope.idx"))).toThrow(/nope\.idx: cannot read the file \(ENOENT\)/);
    mkdirSync(join(dir, "sub"));
    expect(() => fx.data.loadIdx(join(dir, "sub"))).toThrow(/not a regular file/);
    if (process.platform !== "win32") expect(() => fx.data.loadIdx("/dev/zero")).toThrow(/\/dev\/zero: not a regular file/); // never an endless read
    expect(() => fx.data.loadIdx(write(good), { maxbytes: 5 } as never)).toThrow(/loadIdx: unknown option "maxbytes"; did you mean "maxBytes"\?/);
    expect(() => fx.data.loadIdx(42 as never)).toThrow(/loadIdx: path: expected a file path/);
  });
});
