// The page: starts the training worker, draws its progress live, sends drawn digits to it for
// classification, and downloads / uploads its weights. All computing happens in worker.ts.
// The page's state is also kept in `window.fluxionDemo` (for the curious, and for the test).

import { LineChart } from "./chart.js";
import { drawingPad, mnistPixels } from "./draw.js";
import type { FromWorker, ToWorker } from "./protocol.js";

/** What the page has seen, newest last. */
interface DemoState {
  backend?: string;
  wasm?: boolean;
  mode?: string;
  ready: boolean;
  training: boolean;
  steps: { step: number; loss: number; accuracy: number; ms: number }[];
  tests: { step: number; accuracy: number }[];
  samplesPerSecond?: number;
  prediction?: { digit: number; probabilities: readonly number[] };
  saved: number;
  loaded: number;
  errors: string[];
}
const demo: DemoState = { ready: false, training: false, steps: [], tests: [], saved: 0, loaded: 0, errors: [] };
(window as unknown as { fluxionDemo: DemoState }).fluxionDemo = demo;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const startButton = $<HTMLButtonElement>("start");
const saveButton = $<HTMLButtonElement>("save");
const loadInput = $<HTMLInputElement>("load");
const pad = $<HTMLCanvasElement>("pad");
const lossChart = new LineChart($("loss-chart"), { title: "training loss (per batch, smoothed)", color: "#c0392b", yMin: 0, yMax: 3.5, smoothing: 0.2 });
const accuracyChart = new LineChart($("accuracy-chart"), { title: "training accuracy (per batch, smoothed)", color: "#2471a3", yMin: 0, yMax: 1, smoothing: 0.2 });

// The worker gets the page's query (?codegen=allow|off): the server sends its CSP by it.
const worker = new Worker(`worker.js${location.search}`, { type: "module" });
const send = (message: ToWorker, transfer: Transferable[] = []) => worker.postMessage(message, transfer);

function setStatus(text: string): void {
  $("status").textContent = text;
}

function fail(message: string): void {
  demo.errors.push(message);
  setStatus(`error: ${message}`);
  console.error(`fluxion demo: ${message}`);
}

/** The probability bars, one row per digit. */
const bars = Array.from({ length: 10 }, (_, d) => {
  const row = document.createElement("div");
  row.className = "bar-row";
  const label = document.createElement("span");
  label.textContent = String(d);
  const track = document.createElement("span");
  track.className = "bar-track";
  const bar = document.createElement("span");
  bar.className = "bar";
  track.append(bar);
  const value = document.createElement("span");
  value.className = "bar-value";
  row.append(label, track, value);
  $("bars").append(row);
  return { row, bar, value };
});

function showPrediction(probabilities: readonly number[]): void {
  const digit = probabilities.indexOf(Math.max(...probabilities));
  demo.prediction = { digit, probabilities };
  $("prediction").textContent = `${digit}`;
  $("confidence").textContent = `${(probabilities[digit]! * 100).toFixed(1)}%`;
  bars.forEach(({ row, bar, value }, d) => {
    bar.style.width = `${(probabilities[d]! * 100).toFixed(1)}%`;
    value.textContent = `${(probabilities[d]! * 100).toFixed(1)}%`;
    row.classList.toggle("top", d === digit);
  });
}

function classifyDrawing(): void {
  const pixels = mnistPixels(pad);
  if (pixels !== undefined) send({ type: "predict", pixels }, [pixels.buffer]);
}

const drawing = drawingPad(pad, classifyDrawing);
$("clear").addEventListener("click", () => {
  drawing.clear();
  $("prediction").textContent = "–";
  $("confidence").textContent = "";
  bars.forEach(({ bar, value, row }) => {
    bar.style.width = "0";
    value.textContent = "";
    row.classList.remove("top");
  });
});

startButton.addEventListener("click", () => {
  if (demo.training) {
    send({ type: "stop" });
    startButton.disabled = true;
    setStatus("stopping after this step…");
  } else {
    demo.training = true;
    startButton.textContent = "Stop";
    setStatus("training…");
    send({ type: "start" });
  }
});

saveButton.addEventListener("click", () => send({ type: "save" }));
loadInput.addEventListener("change", async () => {
  const file = loadInput.files?.[0];
  if (file === undefined) return;
  const bytes = await file.arrayBuffer();
  send({ type: "load", bytes, name: file.name }, [bytes]);
  loadInput.value = "";
});

function download(bytes: ArrayBuffer, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  switch (m.type) {
    case "ready":
      Object.assign(demo, { ready: true, backend: m.backend, wasm: m.wasm, mode: m.mode });
      $("backend").textContent =
        m.backend === "interpreter" ? "eval-free interpreter (no generated code)" : `generated JavaScript kernels (new Function)${m.wasm ? " and WebAssembly SIMD contractions" : ""}`;
      $("backend").className = m.backend;
      $("csp").textContent = m.mode === "allow" ? "CSP allows 'unsafe-eval'" : m.mode === "off" ? "code generation switched off" : "strict CSP: no 'unsafe-eval'";
      setStatus(`ready: ${m.trainCount} training digits, ${m.testCount} held out`);
      startButton.disabled = false;
      saveButton.disabled = false;
      loadInput.disabled = false;
      break;
    case "step":
      demo.steps.push({ step: m.step, loss: m.loss, accuracy: m.accuracy, ms: m.stepMs });
      demo.samplesPerSecond = m.samplesPerSecond;
      lossChart.add(m.step, m.loss);
      accuracyChart.add(m.step, m.accuracy);
      $("step").textContent = String(m.step);
      $("sps").textContent = m.samplesPerSecond.toFixed(0);
      $("step-ms").textContent = m.stepMs.toFixed(0);
      break;
    case "test":
      demo.tests.push({ step: m.step, accuracy: m.accuracy });
      $("test-accuracy").textContent = `${(m.accuracy * 100).toFixed(1)}% (step ${m.step})`;
      break;
    case "stopped":
      demo.training = false;
      startButton.disabled = false;
      startButton.textContent = "Start training";
      setStatus(`stopped at step ${demo.steps.at(-1)?.step ?? 0}`);
      classifyDrawing(); // with the weights training ended with
      break;
    case "prediction":
      showPrediction(m.probabilities);
      break;
    case "saved":
      demo.saved++;
      download(m.bytes, "lenet5-mnist.safetensors");
      break;
    case "loaded":
      demo.loaded++;
      setStatus(`loaded ${m.name} (trained ${m.step} steps)`);
      $("step").textContent = String(m.step);
      classifyDrawing();
      break;
    case "error":
      if (demo.training) {
        demo.training = false;
        startButton.textContent = "Start training";
        startButton.disabled = false;
      }
      fail(m.message);
      break;
  }
};
worker.onerror = (event) => fail(`worker: ${event.message}`);
