// The whole setup in the URL hash (TensorFlow Playground's state.ts): a setup is a link, a reload restores it.
// The server checks every field again; a link with a bad field is refused there, with a message.

const LISTS = { features: "str", hidden: "int" };
const NUMBERS = ["points", "noise", "train_percent", "batch_size", "seed", "learning_rate", "reg_rate"];
const BOOLS = ["show_test", "discretize", "large"];

export function encode(setup) {
  const parts = [];
  for (const [key, value] of Object.entries(setup)) {
    const text = Array.isArray(value) ? value.join(",") : String(value);
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(text)}`);
  }
  return parts.join("&");
}

// The setup fields a hash names, with the types the server expects (a value that does not parse is passed on
// as it is, so that the server's refusal names it).
export function decode(hash) {
  const setup = {};
  const text = hash.replace(/^#/, "");
  if (!text) return setup;
  for (const part of text.split("&")) {
    if (!part) continue;
    const [rawKey, rawValue = ""] = part.split("=");
    const key = decodeURIComponent(rawKey);
    const value = decodeURIComponent(rawValue);
    if (key in LISTS) {
      const items = value === "" ? [] : value.split(",");
      setup[key] = LISTS[key] === "int" ? items.map((v) => (/^\d+$/.test(v) ? Number(v) : v)) : items;
    } else if (NUMBERS.includes(key)) {
      setup[key] = value !== "" && Number.isFinite(Number(value)) ? Number(value) : value;
    } else if (BOOLS.includes(key)) {
      setup[key] = value === "true" ? true : value === "false" ? false : value;
    } else {
      setup[key] = value;
    }
  }
  return setup;
}
