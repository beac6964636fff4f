// Axis specifications of vmap: `inAxes` and `outAxes` given as a number, null, or a pytree of
// those that is a prefix of the value's structure (a number at a node applies to every leaf
// below it). Expanded here to one entry per leaf, in pytree flatten order, each with a path
// that messages print (`argument 1 at .w[0]`).

import { ArgumentError, ShapeError, fmtShape } from "../errors.js";

/** A batch axis for every leaf below: an integer (negative counts from the end) or null (not mapped). */
export type AxisSpec = number | null | readonly AxisSpec[] | { readonly [key: string]: AxisSpec };

/** The axis a leaf is mapped along (null: not mapped) and the path that names it in messages. */
export interface LeafAxis {
  readonly axis: number | null;
  readonly where: string;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function describe(x: unknown): string {
  if (Array.isArray(x)) return `a list of ${x.length}`;
  if (isPlainObject(x)) return `an object with keys ${JSON.stringify(Object.keys(x).sort())}`;
  return typeof x === "string" ? JSON.stringify(x) : String(x);
}

/** The paths of the leaves of `node`, in flatten order (sorted object keys, as src/tree). */
function leafPaths(node: unknown, path: string, out: string[]): void {
  if (node === null || node === undefined) return;
  if (Array.isArray(node)) node.forEach((c, i) => leafPaths(c, `${path}[${i}]`, out));
  else if (isPlainObject(node)) for (const k of Object.keys(node).sort()) leafPaths(node[k], `${path}.${k}`, out);
  else out.push(path);
}

/** A root name and a path below it as messages print them. */
export function nameOf(root: string, path: string): string {
  return path === "" ? root : `${root} at ${path}`;
}

/**
 * One LeafAxis per leaf of `value`, from `spec` (a number or null, or a tree prefix of `value`).
 * `option` ("inAxes[1]", "outAxes") and `root` ("argument 1", "the output") name them in errors.
 */
export function expandAxes(op: string, option: string, spec: unknown, value: unknown, root: string): LeafAxis[] {
  const out: LeafAxis[] = [];
  const walk = (s: unknown, node: unknown, path: string): void => {
    if (node === null || node === undefined) return;
    if (s === null || typeof s === "number") {
      if (s !== null && !Number.isInteger(s)) throw new ArgumentError(`${op}: ${option}${path} must be an integer or null, got ${s}`);
      const paths: string[] = [];
      leafPaths(node, path, paths);
      for (const p of paths) out.push({ axis: s, where: nameOf(root, p) });
      return;
    }
    if (Array.isArray(node) && Array.isArray(s) && s.length === node.length) {
      node.forEach((c, i) => walk(s[i], c, `${path}[${i}]`));
      return;
    }
    if (isPlainObject(node) && isPlainObject(s)) {
      const keys = Object.keys(node).sort();
      const specKeys = Object.keys(s).sort();
      if (JSON.stringify(keys) === JSON.stringify(specKeys)) {
        for (const k of keys) walk(s[k], node[k], `${path}.${k}`);
        return;
      }
    }
    if (s === undefined || typeof s !== "object") {
      throw new ArgumentError(`${op}: ${option}${path} must be an integer, null or a tree of those, got ${describe(s)}`);
    }
    throw new ArgumentError(`${op}: ${option}${path} is ${describe(s)}, which does not match ${nameOf(root, path)}, ${describe(node)}`);
  };
  walk(spec, value, "");
  return out;
}

/** `axis` (negative counts from the end) as an index into `rank + extra` positions, or a ShapeError. */
export function normalizeAxis(op: string, option: string, axis: number, shape: readonly number[], where: string, extra = 0): number {
  const n = shape.length + extra;
  if (axis < -n || axis >= n) {
    const what = extra === 0 ? `${where} of shape ${fmtShape(shape)} (rank ${shape.length})` : `${where} of per-example shape ${fmtShape(shape)} (the batch axis can be ${-n} … ${n - 1})`;
    throw new ShapeError(`${op}: ${option} ${axis} is out of range for ${what}`);
  }
  return axis < 0 ? axis + n : axis;
}
