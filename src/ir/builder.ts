// Builds a Program equation by equation, checking each against its primitive's shape rule.

import type { Params, Primitive } from "../prims/primitive.js";
import type { Tensor } from "../tensor/tensor.js";
import type { TreeDef } from "../tree/index.js";
import { type Constant, type Eqn, Program } from "./program.js";
import { type Atom, type Aval, Var } from "./var.js";

export class ProgramBuilder {
  private readonly inputs: Var[] = [];
  private readonly constants: Constant[] = [];
  private readonly eqns: Eqn[] = [];

  addInput(aval: Aval): Var {
    const v = new Var(aval);
    this.inputs.push(v);
    return v;
  }

  addConstant(value: Tensor): Var {
    const v = new Var(value);
    this.constants.push({ v, value });
    return v;
  }

  /** Appends `out = prim[params] inputs` and returns `out`; the shape rule validates it. */
  addEqn(prim: Primitive, inputs: readonly Atom[], params: Params): Var {
    const out = new Var(prim.abstractEval(inputs, params));
    this.eqns.push({ prim, inputs: [...inputs], params, out });
    return out;
  }

  build(outputs: readonly Atom[], trees?: { inTree?: TreeDef; outTree?: TreeDef }): Program {
    return new Program({ inputs: this.inputs, constants: this.constants, eqns: this.eqns, outputs, ...trees });
  }
}
