// fx.nn: the model author's library. (Initialisers for now; activations, losses and layers join.)

export * as init from "./init.js";
