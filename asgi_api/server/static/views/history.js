// The dashboard's flow-run history: how many flow runs each time bucket of a window holds, stacked
// by state type. Drawn as SVG by this module.

import { STATE_TYPES, svg, time } from "../ui.js";

const WIDTH = 1000;
const HEIGHT = 180;
const LEFT = 36; // the count axis
const BOTTOM = 22; // the time axis

/** Windows to choose from: their length and how many buckets split it. */
export const WINDOWS = {
  "1h": { label: "Last hour", ms: 3600e3, buckets: 12 },
  "24h": { label: "Last 24 hours", ms: 24 * 3600e3, buckets: 24 },
  "7d": { label: "Last 7 days", ms: 7 * 24 * 3600e3, buckets: 28 },
};

/** [{start, end, counts: {STATE_TYPE: n}, total}] for `runs` by their expected start time. */
export function bucketRuns(runs, start, end, buckets) {
  const size = (end - start) / buckets;
  const result = Array.from({ length: buckets }, (_, i) => ({
    start: start + i * size, end: start + (i + 1) * size, counts: {}, total: 0,
  }));
  for (const run of runs) {
    const at = Date.parse(run.expected_start_time || run.created);
    const index = Math.floor((at - start) / size);
    if (index < 0 || index >= buckets) continue;
    const bucket = result[index];
    bucket.counts[run.state_type] = (bucket.counts[run.state_type] || 0) + 1;
    bucket.total += 1;
  }
  return result;
}

/** The stacked bar chart of `buckets`. */
export function historyChart(buckets) {
  const most = Math.max(1, ...buckets.map((bucket) => bucket.total));
  const slot = (WIDTH - LEFT) / buckets.length;
  const scale = (HEIGHT - BOTTOM - 8) / most;
  const columns = buckets.map((bucket, i) => {
    let y = HEIGHT - BOTTOM;
    const segments = STATE_TYPES.filter((type) => bucket.counts[type]).map((type) => {
      const height = bucket.counts[type] * scale;
      y -= height;
      return svg("rect", {
        class: `segment state-${type.toLowerCase()}`, "data-state-type": type, "data-count": bucket.counts[type],
        x: LEFT + i * slot + slot * 0.12, y, width: slot * 0.76, height,
      });
    });
    const from = new Date(bucket.start).toISOString();
    return svg("g", { class: "bucket", "data-start": from, "data-count": bucket.total },
      svg("title", {}, `${bucket.total} flow run${bucket.total === 1 ? "" : "s"} from ${time(from).textContent}`
        + Object.entries(bucket.counts).map(([type, n]) => `\n${type}: ${n}`).join("")),
      svg("rect", { class: "bucket-hit", x: LEFT + i * slot, y: 0, width: slot, height: HEIGHT - BOTTOM }),
      segments);
  });
  const label = (i, anchor) => svg("text", { x: LEFT + i * slot + (anchor === "end" ? slot : 0), y: HEIGHT - 6,
    "text-anchor": anchor }, time(new Date(i < buckets.length ? buckets[i].start : buckets[i - 1].end)
    .toISOString()).textContent.slice(5, 16));
  return svg("svg", {
    class: "history", viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: "100%", role: "img",
    "aria-label": "Flow-run history, stacked by state",
  },
  svg("line", { class: "axis", x1: LEFT, x2: WIDTH, y1: HEIGHT - BOTTOM, y2: HEIGHT - BOTTOM }),
  svg("text", { class: "count-label", x: LEFT - 6, y: 12, "text-anchor": "end" }, String(most)),
  svg("text", { class: "count-label", x: LEFT - 6, y: HEIGHT - BOTTOM, "text-anchor": "end" }, "0"),
  columns,
  label(0, "start"), label(Math.floor(buckets.length / 2), "middle"), label(buckets.length - 1, "end"));
}
