// Markdown as DOM nodes, never as HTML: headings, paragraphs, lists, fenced code, **bold**,
// *italic*, `code` and [links](url). Any HTML in the text stays text, and only http(s), mailto and
// relative links become links, so an artifact cannot run script in the UI.

import { h } from "./ui.js";

const INLINE = /(\*\*[^*]+\*\*|__[^_]+__|\*[^*\s][^*]*\*|_[^_\s][^_]*_|`[^`]+`|\[[^\]]+\]\([^)\s]+\))/;

/** `text` (markdown) -> a <div class="markdown"> of elements. */
export function markdown(text) {
  const root = h("div", { class: "markdown" });
  const lines = String(text ?? "").replace(/\r\n?/g, "\n").split("\n");
  let list = null;
  let paragraph = [];
  const flush = () => {
    if (paragraph.length) root.append(h("p", {}, inline(paragraph.join(" "))));
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith("```")) {
      flush();
      list = null;
      const code = [];
      for (i++; i < lines.length && !lines[i].startsWith("```"); i++) code.push(lines[i]);
      root.append(h("pre", {}, h("code", {}, code.join("\n"))));
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const item = /^\s*(?:[-*+]|(\d+)[.)])\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      list = null;
      root.append(h(`h${Math.min(heading[1].length + 2, 6)}`, {}, inline(heading[2])));
    } else if (item) {
      flush();
      const tag = item[1] === undefined ? "ul" : "ol";
      if (!list || list.tagName.toLowerCase() !== tag) root.append(list = h(tag));
      list.append(h("li", {}, inline(item[2])));
    } else if (!line.trim()) {
      flush();
      list = null;
    } else {
      list = null;
      paragraph.push(line.trim());
    }
  }
  flush();
  return root;
}

function inline(text) {
  return text.split(INLINE).filter(Boolean).map((part) => {
    if (/^(\*\*|__)/.test(part) && part.length > 4) return h("strong", {}, part.slice(2, -2));
    if (part.startsWith("`")) return h("code", {}, part.slice(1, -1));
    const anchor = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(part);
    if (anchor) return safeUrl(anchor[2]) ? h("a", { href: anchor[2], rel: "noopener noreferrer" }, anchor[1]) : part;
    if (/^[*_].+[*_]$/.test(part)) return h("em", {}, part.slice(1, -1));
    return part;
  });
}

function safeUrl(url) {
  return /^(https?:|mailto:|\/|#)/i.test(url) && !url.startsWith("//");
}
