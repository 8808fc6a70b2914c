// The network drawing: every input feature, every hidden neuron's heatmap, the output, and the links between
// them drawn by the sign (colour) and size (width) of their weight, with the value on hover.

import { css, featurePicture, paintPicture, paintValues } from "./paint.js";

const NODE = 40;
const ROW = 54;
const COLUMN = 112;
const TOP = 44;
const SVG = "http://www.w3.org/2000/svg";

export class NetworkView {
  // actions: { toggleFeature(name), addNeuron(k), removeNeuron(k) }
  constructor(element, featureNames, actions) {
    this.element = element;
    this.featureNames = featureNames;   // {name: label}, every feature the page offers, in order
    this.actions = actions;
    this.shape = "";
  }

  // Rebuild the drawing for a setup (its features and hidden layers).
  build(setup) {
    const shape = JSON.stringify([setup.features, setup.hidden]);
    if (shape === this.shape) return;
    this.shape = shape;
    this.setup = setup;
    const el = this.element;
    el.replaceChildren();
    this.svg = document.createElementNS(SVG, "svg");
    this.svg.classList.add("links");
    el.append(this.svg);
    const names = Object.keys(this.featureNames);
    const columns = [names.length, ...setup.hidden, 1];
    const height = TOP + Math.max(...columns) * ROW;
    const width = 60 + (columns.length - 1) * COLUMN + NODE;
    el.style.height = `${height}px`;
    el.style.width = `${width}px`;
    this.svg.setAttribute("width", width);
    this.svg.setAttribute("height", height);
    this.positions = columns.map((count, c) => Array.from({ length: count }, (_, i) => [60 + c * COLUMN,
      TOP + i * ROW]));

    // inputs: every feature, the ones switched off dimmed; a click switches one
    names.forEach((name, i) => {
      const on = setup.features.includes(name);
      const node = this.node(0, i, `feature-${name}`, `${on ? "" : "off"} feature`);
      const label = document.createElement("span");
      label.className = "label";
      label.textContent = this.featureNames[name];
      node.append(label);
      paintValues(node.querySelector("canvas"), featurePicture(name));
      node.title = `${this.featureNames[name]}: click to ${on ? "switch it off" : "use it as an input"}`;
      node.addEventListener("click", () => this.actions.toggleFeature(name));
    });
    this.head(0, `${setup.features.length} input${setup.features.length === 1 ? "" : "s"}`);

    // hidden layers: a heatmap per neuron, + and - per layer
    this.neurons = setup.hidden.map((units, k) => {
      const head = this.head(k + 1, `${units} neuron${units === 1 ? "" : "s"}`);
      const add = this.button(`add-neuron-${k}`, "+", `Add a neuron to hidden layer ${k}`,
        () => this.actions.addNeuron(k));
      const remove = this.button(`remove-neuron-${k}`, "\u2212", `Remove a neuron from hidden layer ${k}`,
        () => this.actions.removeNeuron(k));
      head.prepend(add, remove, document.createElement("br"));
      return Array.from({ length: units }, (_, i) => this.node(k + 1, i, `neuron-${k}-${i}`, "neuron"));
    });
    this.head(setup.hidden.length + 1, "output");
    this.output = this.node(setup.hidden.length + 1, 0, "output-node", "output-node");
    this.links = [];
  }

  node(column, row, testid, className) {
    const [x, y] = this.positions[column][row];
    const node = document.createElement("div");
    node.className = `node ${className}`;
    node.dataset.testid = testid;
    node.style.left = `${x}px`;
    node.style.top = `${y}px`;
    node.append(document.createElement("canvas"));
    this.element.append(node);
    return node;
  }

  head(column, text) {
    const head = document.createElement("div");
    head.className = "column-head";
    head.style.left = `${this.positions[column][0][0] - 10}px`;
    head.append(document.createTextNode(text));
    this.element.append(head);
    return head;
  }

  button(testid, text, title, onClick) {
    const button = document.createElement("button");
    button.dataset.testid = testid;
    button.textContent = text;
    button.title = title;
    button.addEventListener("click", onClick);
    return button;
  }

  // Paint one frame: heatmaps, links, dead and saturated marks.
  update(frame) {
    frame.neurons.forEach((layer, k) => layer.forEach((picture, i) => {
      const node = this.neurons[k]?.[i];
      if (node) paintPicture(node.querySelector("canvas"), picture);
    }));
    if (this.output) paintPicture(this.output.querySelector("canvas"), frame.output);
    (frame.units || []).forEach((layer, k) => layer.forEach((mark, i) => {
      const node = this.neurons[k]?.[i];
      if (!node) return;
      node.classList.toggle("dead", mark === "dead");
      node.classList.toggle("saturated", mark === "saturated");
      let label = node.querySelector(".mark");
      if (mark && !label) {
        label = document.createElement("span");
        label.className = "mark";
        node.append(label);
      }
      if (label) label.textContent = mark;
      node.title = mark === "dead" ? "dead: never active on the training data, so it passes no gradient"
        : mark === "saturated" ? "saturated: in the flat tails of its activation on most training points"
          : `neuron ${i} of hidden layer ${k}`;
    }));
    this.drawLinks(frame.weights);
  }

  drawLinks(weights) {
    const names = Object.keys(this.featureNames);
    const rowsOfInputs = this.setup.features.map((f) => names.indexOf(f));
    let largest = 1e-9;
    for (const layer of weights) for (const row of layer.W) for (const w of row) largest = Math.max(largest, Math.abs(w ?? 0));
    const needed = weights.reduce((n, layer) => n + layer.W.length * (layer.W[0]?.length ?? 0), 0);
    if (this.links.length !== needed) {
      this.svg.querySelectorAll("line").forEach((line) => line.remove());
      this.links = [];
      weights.forEach((layer, c) => layer.W.forEach((row, j) => row.forEach((_, i) => {
        const from = this.positions[c][c === 0 ? rowsOfInputs[j] : j];
        const to = this.positions[c + 1][i];
        const line = document.createElementNS(SVG, "line");
        line.setAttribute("x1", from[0] + NODE);
        line.setAttribute("y1", from[1] + NODE / 2);
        line.setAttribute("x2", to[0]);
        line.setAttribute("y2", to[1] + NODE / 2);
        line.append(document.createElementNS(SVG, "title"));
        this.svg.append(line);
        this.links.push(line);
      })));
    }
    let n = 0;
    weights.forEach((layer, c) => layer.W.forEach((row, j) => row.forEach((w, i) => {
      const line = this.links[n++];
      const value = w ?? 0;
      line.setAttribute("stroke", css(value >= 0 ? 1 : -1));
      line.setAttribute("stroke-width", (0.5 + 5 * Math.sqrt(Math.abs(value) / largest)).toFixed(2));
      line.firstChild.textContent = `weight ${c === 0 ? this.featureNames[this.setup.features[j]] : `layer ${c - 1} neuron ${j}`}`
        + ` \u2192 ${c === weights.length - 1 ? "output" : `layer ${c} neuron ${i}`}: ${w === null ? "not finite" : w}`;
    })));
  }
}
