// Every primitive family. Importing this module registers all primitives.

export * from "./primitive.js";
export * from "./elementwise.js";
export * from "./unary.js";
export * from "./binary.js";
export * from "./compare.js";
export * from "./layout.js";
export * from "./reduce.js";
export * from "./linalg.js";
export * from "./movement.js";
export * from "./conv.js";
export * from "./pool.js";
export * from "./random.js";
