// The loss curves (train and test by epoch) and the gradient-norm bars.

export class LossCurve {
  constructor(canvas) {
    this.canvas = canvas;
    this.clear();
  }

  clear() {
    this.points = [];
    this.draw();
  }

  add(epoch, train, test) {
    if (train === null && test === null) return;
    this.points.push([epoch, train, test]);
    if (this.points.length > 2000) this.points = this.points.filter((_, i) => i % 2 === 0);
    this.draw();
  }

  draw() {
    const { canvas } = this;
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (this.points.length < 2) return;
    const last = this.points[this.points.length - 1][0];
    const first = this.points[0][0];
    let top = 0;
    for (const [, a, b] of this.points) top = Math.max(top, a ?? 0, b ?? 0);
    top = top || 1;
    const x = (e) => ((e - first) / Math.max(last - first, 1)) * (canvas.width - 4) + 2;
    const y = (v) => canvas.height - 2 - (Math.min(v, top) / top) * (canvas.height - 4);
    for (const [index, colour] of [[1, "#333"], [2, "#aaa"]]) {
      ctx.beginPath();
      let started = false;
      for (const point of this.points) {
        if (point[index] === null) { started = false; continue; }
        if (started) ctx.lineTo(x(point[0]), y(point[index]));
        else ctx.moveTo(x(point[0]), y(point[index]));
        started = true;
      }
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1.5;
      ctx.stroke();
    }
  }
}

// One bar per Dense layer, on a log scale from 1e-6 to 1e3, with the number.
export function drawGradNorms(element, norms) {
  element.replaceChildren();
  norms.forEach((norm, i) => {
    const row = document.createElement("div");
    row.className = "bar-row";
    const name = document.createElement("span");
    name.textContent = i === norms.length - 1 ? "output" : `layer ${i}`;
    name.style.width = "52px";
    const fill = document.createElement("div");
    fill.className = "fill";
    const value = document.createElement("span");
    if (norm === null) {
      value.textContent = "not yet";
      fill.style.width = "0";
    } else {
      const position = (Math.log10(Math.max(norm, 1e-6)) + 6) / 9;
      fill.style.width = `${Math.max(1, Math.min(1, position) * 160)}px`;
      value.textContent = norm.toPrecision(3);
    }
    row.append(name, fill, value);
    element.append(row);
  });
}
