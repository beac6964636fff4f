// Hyper-parameter search: trials from a grid (every combination) or drawn at random from a
// space, each scored by k-fold cross-validation (fx.data.kFold) or on one validation split
// (fx.data.trainValSplit), then ranked by mean validation accuracy. `fluxion search` and
// examples/kfold-search.ts both call `search`.
//
// Spec syntax (keys are the train command's flag names):
//   grid   "lr=0.1,0.01;batch-size=32,64;hidden=128,256-128"    (hidden widths joined by "-")
//   space  "lr=1e-4..1e-1:log;dropout=0..0.5;batch-size=32,64,128;optimizer=adam,sgd"
//          a..b uniform, a..b:log log-uniform, a list a choice; integer keys draw integers.

import type * as t from "io-ts";
import type { Split } from "../data/dataset.js";
import { kFold, trainValSplit } from "../data/splits.js";
import { foldIn } from "../random/keys.js";
import { closestName } from "../options/describe.js";
import { uniform } from "../random/samplers.js";
import type { Tensor } from "../tensor/tensor.js";
import { PositiveIntArg, listArg } from "./codecs.js";
import { UsageError } from "./errors.js";
import { decodeValue } from "./flags.js";
import { type TrainingConfig, checkConfig, trainModel } from "./run.js";
import { modelFlags, trainingFlags } from "./shared-flags.js";

/** What a search may vary, by flag name, with the config key and the codec of one value. */
const SEARCHABLE = {
  lr: { key: "lr", codec: trainingFlags.lr.codec, integer: false },
  "batch-size": { key: "batchSize", codec: trainingFlags.batchSize.codec, integer: true },
  hidden: { key: "hidden", codec: listArg(PositiveIntArg, "-"), integer: false },
  dropout: { key: "dropout", codec: modelFlags.dropout.codec, integer: false },
  optimizer: { key: "optimizer", codec: trainingFlags.optimizer.codec, integer: false },
  "weight-decay": { key: "weightDecay", codec: trainingFlags.weightDecay.codec, integer: false },
  schedule: { key: "schedule", codec: trainingFlags.schedule.codec, integer: false },
} as const satisfies Record<string, { key: keyof TrainingConfig; codec: t.Type<any, any, unknown>; integer: boolean }>;

/** The flag names a search can vary. */
export type SearchName = keyof typeof SEARCHABLE;
export const SEARCH_NAMES = Object.keys(SEARCHABLE) as SearchName[];

/** One trial: a value for each varied hyper-parameter, by flag name, as written ("0.01", "256-128"). */
export type Trial = Readonly<Partial<Record<SearchName, string>>>;

/** The config of `trial` on top of `base`. */
export function trialConfig(base: TrainingConfig, trial: Trial): TrainingConfig {
  const out: Record<string, unknown> = { ...base };
  for (const name of Object.keys(trial) as SearchName[]) {
    const s = SEARCHABLE[name];
    out[s.key] = decodeValue("search", name, s.codec as t.Type<unknown, unknown, unknown>, trial[name]!);
  }
  return out as unknown as TrainingConfig;
}

/** `trial` as text: "lr=0.01 batch-size=64". */
export function trialText(trial: Trial): string {
  return Object.entries(trial).map(([k, v]) => `${k}=${v}`).join(" ");
}

/** The "key=values" parts of a spec, each key a searchable flag name given once. */
function specParts(flagName: string, spec: string): [SearchName, string][] {
  const parts = spec.split(";").map((p) => p.trim()).filter((p) => p !== "");
  if (parts.length === 0) throw new UsageError(`search: --${flagName}: expected key=values;… (keys: ${SEARCH_NAMES.join(", ")}), got an empty spec`);
  const seen = new Set<string>();
  return parts.map((part) => {
    const eq = part.indexOf("=");
    const name = (eq < 0 ? part : part.slice(0, eq)).trim();
    if (eq < 0 || part.slice(eq + 1).trim() === "") throw new UsageError(`search: --${flagName}: expected key=values in ${JSON.stringify(part)}`);
    if (!(name in SEARCHABLE)) {
      const near = closestName(name, SEARCH_NAMES);
      throw new UsageError(`search: --${flagName}: cannot search over ${JSON.stringify(name)}; the keys are ${SEARCH_NAMES.join(", ")}${near !== undefined ? `; did you mean ${near}?` : ""}`);
    }
    if (seen.has(name)) throw new UsageError(`search: --${flagName}: ${name} is given twice`);
    seen.add(name);
    return [name as SearchName, part.slice(eq + 1).trim()];
  });
}

/** Checks each value of a trial with its flag's codec (so a bad value fails before any training). */
function checkValue(flagName: string, name: SearchName, value: string): string {
  decodeValue("search", `${flagName} ${name}`, SEARCHABLE[name].codec as t.Type<unknown, unknown, unknown>, value);
  return value;
}

/** Every combination of the grid's values, the first key varying slowest. */
export function gridTrials(spec: string): Trial[] {
  let trials: Record<string, string>[] = [{}];
  for (const [name, values] of specParts("grid", spec)) {
    const list = values.split(",").map((v) => checkValue("grid", name, v.trim()));
    trials = trials.flatMap((tr) => list.map((v) => ({ ...tr, [name]: v })));
  }
  return trials;
}

/** How one key of a random space is drawn. */
type Draw = { kind: "choice"; values: string[] } | { kind: "range"; lo: number; hi: number; log: boolean };

function parseDraw(name: SearchName, text: string): Draw {
  const range = /^(.*?)\.\.(.*?)(:log)?$/.exec(text);
  if (range === null) return { kind: "choice", values: text.split(",").map((v) => checkValue("space", name, v.trim())) };
  const lo = Number(range[1]);
  const hi = Number(range[2]);
  const log = range[3] !== undefined;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi) || (log && lo <= 0)) {
    throw new UsageError(`search: --space: ${name}=${text}: a range is lo..hi with finite lo < hi (lo > 0 for :log)`);
  }
  if (name === "hidden" || name === "optimizer" || name === "schedule") throw new UsageError(`search: --space: ${name} takes a list of choices, not a range (got ${text})`);
  checkValue("space", name, String(lo));
  checkValue("space", name, String(hi));
  return { kind: "range", lo, hi, log };
}

/** `n` trials drawn from `spec` with `key` (one uniform number per trial and key). */
export function randomTrials(spec: string, n: number, key: Tensor): Trial[] {
  const draws = specParts("space", spec).map(([name, text]) => [name, parseDraw(name, text)] as const);
  const u = uniform(key, [n, draws.length], { dtype: "float64" }).data() as Float64Array;
  return Array.from({ length: n }, (_, i) => {
    const trial: Record<string, string> = {};
    draws.forEach(([name, d], j) => {
      const r = u[i * draws.length + j]!;
      if (d.kind === "choice") trial[name] = d.values[Math.min(d.values.length - 1, Math.floor(r * d.values.length))]!;
      else {
        const x = d.log ? Math.exp(Math.log(d.lo) + r * (Math.log(d.hi) - Math.log(d.lo))) : d.lo + r * (d.hi - d.lo);
        trial[name] = SEARCHABLE[name].integer ? String(Math.round(x)) : String(Number(x.toPrecision(3)));
      }
    });
    return trial;
  });
}

/** The outcome of one trial over its folds. */
export interface TrialResult {
  readonly trial: Trial;
  /** Final validation accuracy and loss of each fold. */
  readonly accuracies: readonly number[];
  readonly losses: readonly number[];
  readonly meanAccuracy: number;
  /** Sample standard deviation across folds (0 for one fold). */
  readonly stdAccuracy: number;
  readonly meanLoss: number;
  readonly stdLoss: number;
  readonly seconds: number;
}

export interface SearchOptions {
  /** The configuration every trial starts from. */
  readonly base: TrainingConfig;
  readonly trials: readonly Trial[];
  /** The samples to cross-validate on (a data set's training split). */
  readonly train: Split;
  readonly classes: number;
  /** k-fold cross-validation with this k… */
  readonly folds?: number | undefined;
  /** …or one validation split of this fraction (default 0.2 when folds is not given). */
  readonly valSplit?: number | undefined;
  /** The key of the folds (or the split). */
  readonly dataKey: Tensor;
  /** The key of every fit (the same for all trials: they differ only in their hyper-parameters). */
  readonly fitKey: Tensor;
  /** Called after each trial (its index in `trials`). */
  readonly onTrial?: ((result: TrialResult, index: number) => void) | undefined;
  /** Checked after each fit: true stops the search (Ctrl-C). */
  readonly stopped?: (() => boolean) | undefined;
}

/** Mean and sample standard deviation (0 for fewer than two values). */
export function meanStd(xs: readonly number[]): [number, number] {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.length < 2 ? 0 : xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
  return [mean, Math.sqrt(variance)];
}

/**
 * Trains every trial on every fold (or the one split) and returns the finished trials ranked
 * by mean validation accuracy (ties: lower mean loss first).
 */
export async function search(options: SearchOptions): Promise<TrialResult[]> {
  const { base, trials, train } = options;
  const configs = trials.map((tr) => trialConfig(base, tr));
  configs.forEach(checkConfig); // a model option the model lacks fails before any training
  const pairs = options.folds !== undefined ? kFold(train, options.folds, { key: options.dataKey }) : [trainValSplit(train, { fraction: options.valSplit ?? 0.2, key: options.dataKey })];
  const results: TrialResult[] = [];
  for (let i = 0; i < configs.length; i++) {
    const started = performance.now();
    const accuracies: number[] = [];
    const losses: number[] = [];
    for (const pair of pairs) {
      const run = await trainModel(configs[i]!, pair.train, { key: options.fitKey, classes: options.classes, validation: pair.val, verbose: "silent" });
      const last = run.result.history[run.result.history.length - 1];
      if (options.stopped?.() || last?.val_accuracy === undefined || last.val_loss === undefined) break;
      accuracies.push(last.val_accuracy);
      losses.push(last.val_loss);
    }
    if (accuracies.length < pairs.length) break;
    const [meanAccuracy, stdAccuracy] = meanStd(accuracies);
    const [meanLoss, stdLoss] = meanStd(losses);
    const result: TrialResult = { trial: trials[i]!, accuracies, losses, meanAccuracy, stdAccuracy, meanLoss, stdLoss, seconds: (performance.now() - started) / 1000 };
    results.push(result);
    options.onTrial?.(result, i);
  }
  return rank(results);
}

/** Results best first: higher mean accuracy, then lower mean loss. */
export function rank(results: readonly TrialResult[]): TrialResult[] {
  return [...results].sort((a, b) => b.meanAccuracy - a.meanAccuracy || a.meanLoss - b.meanLoss);
}

/** The varied keys of a set of trials, in the order they first appear. */
export function searchedNames(trials: readonly Trial[]): SearchName[] {
  const names: SearchName[] = [];
  for (const tr of trials) for (const k of Object.keys(tr) as SearchName[]) if (!names.includes(k)) names.push(k);
  return names;
}

/** A CSV cell: quoted when it holds a comma, a quote or a line break. */
function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The ranked results as CSV: rank, one column per varied key, the means and standard deviations, folds, seconds. */
export function searchCsv(ranked: readonly TrialResult[]): string {
  const names = searchedNames(ranked.map((r) => r.trial));
  const header = ["rank", ...names, "mean_accuracy", "std_accuracy", "mean_loss", "std_loss", "folds", "seconds"];
  const rows = ranked.map((r, i) => [
    String(i + 1),
    ...names.map((n) => r.trial[n] ?? ""),
    r.meanAccuracy.toFixed(6),
    r.stdAccuracy.toFixed(6),
    r.meanLoss.toFixed(6),
    r.stdLoss.toFixed(6),
    String(r.accuracies.length),
    r.seconds.toFixed(2),
  ]);
  return [header, ...rows].map((row) => row.map(csvCell).join(",")).join("\n") + "\n";
}

/** The key of trial draws, derived from a run's data key (so --seed fixes them). */
export function trialKey(dataKey: Tensor): Tensor {
  return foldIn(dataKey, 3);
}
