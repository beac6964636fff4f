// fluxion for browsers (and any host without Node): the same API as index.ts — the core, nn,
// optim, random, tree — with fx.data and fx.train limited to their parts that need no Node
// built-in (no file loaders, no terminal bar, checkpoints as bytes). package.json's "browser"
// export condition points here; test/browser/bundle.test.ts checks that a browser bundle of
// this file imports nothing from Node and exports every name index.ts does.

export * from "./core.js";

// the parts of fx.data and fx.train that need no Node built-in
export * as data from "./data/browser.js";
export * as train from "./train/browser.js";
