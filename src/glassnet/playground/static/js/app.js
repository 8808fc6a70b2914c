// The playground page: one websocket to the server, controls that send checked requests, frames that draw.
// The server holds the run and checks every request; the page draws what the server reads from the model.

import { LossCurve, drawGradNorms } from "./charts.js";
import { NetworkView } from "./network.js";
import { decode, encode } from "./state.js";
import { drawPoints, paintPicture, paintPreview } from "./paint.js";

const $ = (id) => document.getElementById(id);
const page = { setup: null, hello: null, data: null, frame: null, playing: false };
const curve = new LossCurve($("curve"));
let network = null;
let socket = null;

function send(message) {
  hideError();
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function change(fields) {
  send({ type: "setup", setup: fields });
}

function showError(text) {
  $("error").textContent = text;
  $("error").hidden = false;
}

function hideError() {
  $("error").hidden = true;
}

function notice(text) {
  $("notice").textContent = text;
  $("notice").hidden = !text;
}

// --- frames from the server -------------------------------------------------------------------------------------
const handlers = {
  hello(message) {
    page.hello = message;
    fill($("learning-rate"), message.learning_rates.map((v) => [v, String(v)]));
    fill($("activation"), message.activations.map((v) => [v, v]));
    fill($("optimizer"), message.optimizers.map((v) => [v, { sgd: "SGD", momentum: "SGD + momentum 0.9",
      adam: "Adam", rmsprop: "RMSprop", adagrad: "Adagrad" }[v] || v]));
    fill($("regularization"), message.regularizations.map((v) => [v, v === "none" ? "None" : v.toUpperCase()]));
    fill($("reg-rate"), [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10].map((v) => [v, String(v)]));
    buildDatasets(message);
    network = new NetworkView($("network"), message.features, {
      toggleFeature(name) {
        const on = page.setup.features.includes(name);
        change({ features: on ? page.setup.features.filter((f) => f !== name) : [...page.setup.features, name] });
      },
      addNeuron(k) {
        const hidden = [...page.setup.hidden];
        hidden[k] += 1;
        change({ hidden });
      },
      removeNeuron(k) {
        const hidden = [...page.setup.hidden];
        hidden[k] -= 1;
        if (hidden[k] === 0) hidden.splice(k, 1);
        change({ hidden });
      },
    });
    applyLink();
  },

  data(message) {
    page.data = message;
    page.setup = message.setup;
    curve.clear();
    showSetup(message.setup, message.upload);
    network.build(message.setup);
  },

  setup(message) {
    page.setup = message.setup;
    showSetup(message.setup, page.data?.upload);
    drawOutput();
  },

  frame(message) {
    page.frame = message;
    page.playing = message.playing;
    $("play").hidden = message.playing;
    $("pause").hidden = !message.playing;
    $("epoch").textContent = String(message.epoch);
    $("train-loss").textContent = number(message.train_loss);
    $("test-loss").textContent = number(message.test_loss);
    curve.add(message.epoch, message.train_loss, message.test_loss);
    network.update(message);
    drawOutput();
    drawGradNorms($("grad-norms"), message.grad_norms);
    if ("findings" in message) showFindings(message.findings, message.epoch);
    if (message.status !== "ready" && message.message) notice(message.message);
  },

  explain(message) {
    $("explanation").textContent = message.text;
    $("explanation").hidden = false;
  },

  download(message) {
    const bytes = Uint8Array.from(atob(message.base64), (c) => c.charCodeAt(0));
    const url = URL.createObjectURL(new Blob([bytes], { type: message.mime }));
    const a = document.createElement("a");
    a.href = url;
    a.download = message.filename;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  },

  error(message) {
    showError(message.message);
  },
};

// A link's setup: every field the hash names (uploaded data never travels in a link).
function applyLink() {
  const linked = decode(location.hash);
  if (linked.dataset === "upload") {
    delete linked.dataset;
    delete linked.problem;
    notice("This link was made with uploaded data, which links do not carry: it opens on the default data set. "
      + "Upload the file again to train on it.");
  }
  if (Object.keys(linked).length) change(linked);
}

function number(v) {
  return v === null ? "not finite" : v.toFixed(3);
}

function fill(select, options) {
  select.replaceChildren(...options.map(([value, text]) => new Option(text, value)));
}

function buildDatasets(hello) {
  const box = $("datasets");
  box.replaceChildren();
  for (const [problem, sets] of [["classification", hello.classification], ["regression", hello.regression]]) {
    const group = document.createElement("div");
    group.className = "group";
    group.textContent = problem === "classification" ? "Classification" : "Regression";
    box.append(group);
    for (const [name, description] of Object.entries(sets)) {
      const button = document.createElement("button");
      button.dataset.testid = `dataset-${name}`;
      button.dataset.name = name;
      const preview = document.createElement("canvas");
      preview.width = preview.height = 40;
      paintPreview(preview, hello.previews[name], problem === "classification");
      const label = document.createElement("span");
      label.textContent = name.replace("reg-", "");
      button.append(preview, label);
      button.title = description;
      button.addEventListener("click", () => change({ problem, dataset: name }));
      box.append(button);
    }
  }
}

function showSetup(setup, upload) {
  history.replaceState(null, "", `#${encode(setup)}`);
  $("learning-rate").value = String(setup.learning_rate);
  if ($("learning-rate").value !== String(setup.learning_rate)) {
    $("learning-rate").append(new Option(String(setup.learning_rate), setup.learning_rate));
    $("learning-rate").value = String(setup.learning_rate);
  }
  $("activation").value = setup.activation;
  $("optimizer").value = setup.optimizer;
  $("regularization").value = setup.regularization;
  $("reg-rate").value = String(setup.reg_rate);
  $("problem").value = setup.problem;
  for (const [id, key] of [["train-percent", "train_percent"], ["noise", "noise"], ["batch-size", "batch_size"]]) {
    $(id).value = setup[key];
    $(`${id}-value`).textContent = setup[key];
  }
  $("seed").value = setup.seed;
  $("show-test").checked = setup.show_test;
  $("discretize").checked = setup.discretize;
  $("allow-large").checked = setup.large;
  const { hidden_layers: layers, neurons, large_hidden_layers: bigLayers, large_neurons: bigNeurons } = page.hello.limits;
  $("allow-large").parentElement.title = `Up to ${bigLayers} hidden layers of ${bigNeurons} neurons, instead of `
    + `${layers} of ${neurons}`;
  for (const button of $("datasets").querySelectorAll("button")) {
    button.classList.toggle("selected", button.dataset.name === setup.dataset);
  }
  $("layer-count").textContent = `${setup.hidden.length} hidden layer${setup.hidden.length === 1 ? "" : "s"}`;
  $("upload-name").textContent = setup.dataset === "upload" ? `Training on ${upload}.` : "";
}

function drawOutput() {
  const canvas = $("output-boundary");
  if (!page.frame || !page.data) return;
  const picture = document.createElement("canvas");
  paintPicture(picture, page.frame.output, page.setup.discretize && page.data.problem === "classification");
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(picture, 0, 0, canvas.width, canvas.height);
  const classification = page.data.problem === "classification";
  drawPoints(canvas, page.data.train, page.data.domain, classification, "#fff");
  if (page.setup.show_test) drawPoints(canvas, page.data.test, page.data.domain, classification, "#000");
}

function showFindings(findings, epoch) {
  const list = $("findings");
  list.replaceChildren();
  if (!findings.length) {
    const li = document.createElement("li");
    li.className = "none";
    li.textContent = epoch ? `Nothing looks wrong after ${epoch} epoch${epoch === 1 ? "" : "s"}.`
      : "Train to see what the diagnosis finds.";
    list.append(li);
    return;
  }
  for (const f of findings) {
    const li = document.createElement("li");
    li.className = f.severity;
    li.dataset.testid = `finding-${f.code}`;
    const head = document.createElement("div");
    head.innerHTML = "<span class='code'></span>: <span class='message'></span>";
    head.querySelector(".code").textContent = f.code.replaceAll("_", " ");
    head.querySelector(".message").textContent = f.message;
    const evidence = document.createElement("div");
    evidence.className = "evidence";
    evidence.textContent = "Evidence: " + Object.entries(f.evidence).map(([k, v]) =>
      `${k.replaceAll("_", " ")} ${typeof v === "number" ? Number(v.toPrecision(4)) : v}`).join(", ");
    const advice = document.createElement("div");
    advice.className = "advice";
    advice.textContent = `Try: ${f.advice}`;
    li.append(head, evidence, advice);
    list.append(li);
  }
}

// --- controls ------------------------------------------------------------------------------------------------------
function wire() {
  for (const kind of ["play", "pause", "step", "reset", "regenerate", "explain"]) {
    $(kind).addEventListener("click", () => send({ type: kind }));
  }
  $("download-model").addEventListener("click", () => send({ type: "download", what: "model" }));
  $("download-script").addEventListener("click", () => send({ type: "download", what: "script" }));
  $("learning-rate").addEventListener("change", (e) => change({ learning_rate: Number(e.target.value) }));
  $("activation").addEventListener("change", (e) => change({ activation: e.target.value }));
  $("optimizer").addEventListener("change", (e) => change({ optimizer: e.target.value }));
  $("regularization").addEventListener("change", (e) => change({ regularization: e.target.value }));
  $("reg-rate").addEventListener("change", (e) => change({ reg_rate: Number(e.target.value) }));
  $("problem").addEventListener("change", (e) => {
    const problem = e.target.value;
    change({ problem, dataset: Object.keys(problem === "classification" ? page.hello.classification
      : page.hello.regression)[0] });
  });
  for (const [id, key] of [["train-percent", "train_percent"], ["noise", "noise"], ["batch-size", "batch_size"]]) {
    $(id).addEventListener("input", (e) => { $(`${id}-value`).textContent = e.target.value; });
    $(id).addEventListener("change", (e) => change({ [key]: Number(e.target.value) }));
  }
  $("seed").addEventListener("change", (e) => change({ seed: Number(e.target.value) }));
  $("show-test").addEventListener("change", (e) => change({ show_test: e.target.checked }));
  $("discretize").addEventListener("change", (e) => change({ discretize: e.target.checked }));
  $("allow-large").addEventListener("change", (e) => change({ large: e.target.checked }));
  $("add-layer").addEventListener("click", () => change({ hidden: [...page.setup.hidden, 2] }));
  $("remove-layer").addEventListener("click", () => change({ hidden: page.setup.hidden.slice(0, -1) }));
  $("upload").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    const limit = page.hello.limits.upload_bytes;
    if (file.size > limit) {
      showError(`${file.name} is ${file.size} bytes; the playground takes files of at most ${limit} bytes.`);
      return;
    }
    send({ type: "upload", name: file.name, csv: await file.text() });
    e.target.value = "";
  });
}

function connect() {
  socket = new WebSocket(`ws://${location.host}/ws`);
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    handlers[message.type]?.(message);
  });
  socket.addEventListener("close", () => {
    showError("The connection to the playground's server closed. Is `glassnet playground` still running? "
      + "Reload the page to start again.");
  });
}

wire();
connect();
// a link pasted into this tab (the page itself writes the hash with replaceState, which fires no event)
window.addEventListener("hashchange", applyLink);
