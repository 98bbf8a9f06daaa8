// A flow run's task runs as a timeline (Gantt chart): one bar per task run from its start to its
// end (now, while it runs), on one time axis. Drawn as SVG by this module; the caller pages the
// task runs, so a run with 10,000 of them draws one page at a time.

import { navigate } from "../router.js";
import { duration, paths, svg } from "../ui.js";

const WIDTH = 1000;
const LABEL = 190; // the task-run names on the left
const ROW = 20;
const AXIS = 22;

/** The chart for `tasks` (one page of them), with `now` as the end of the ones still running. */
export function ganttChart(tasks, now = Date.now()) {
  const spans = tasks.map((task) => span(task, now));
  const known = spans.filter((s) => s.start !== null);
  const first = known.length ? Math.min(...known.map((s) => s.start)) : now;
  const last = known.length ? Math.max(...known.map((s) => s.end)) : now;
  const total = Math.max(last - first, 1);
  const scale = (WIDTH - LABEL - 10) / total;
  const height = tasks.length * ROW + AXIS;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((share) => svg("g", { class: "tick" },
    svg("line", { x1: LABEL + share * total * scale, x2: LABEL + share * total * scale, y1: 0, y2: height - AXIS }),
    svg("text", { x: LABEL + share * total * scale, y: height - 6, "text-anchor": share === 1 ? "end" : share ? "middle" : "start" },
      `+${duration((share * total) / 1000)}`)));
  const rows = tasks.map((task, i) => {
    const { start, end } = spans[i];
    const y = i * ROW;
    const label = task.name.length > 30 ? `${task.name.slice(0, 29)}…` : task.name;
    const bar = start === null
      ? svg("text", { class: "not-started", x: LABEL + 4, y: y + 14 }, "not started")
      : svg("rect", {
        class: "bar", x: LABEL + (start - first) * scale, y: y + 4, height: ROW - 8, rx: 2,
        width: Math.max((end - start) * scale, 2),
      });
    return svg("g", {
      class: `gantt-row state-${(task.state_type || "unknown").toLowerCase()}`, "data-task-run-id": task.id,
      "data-duration-ms": start === null ? "" : String(end - start), "data-state-type": task.state_type || "",
      onclick: () => navigate(paths.taskRun(task.id)),
    },
    svg("title", {}, `${task.name}: ${task.state_name || task.state_type}, `
      + `${start === null ? "not started" : duration((end - start) / 1000)}`),
    svg("rect", { class: "row-hit", x: 0, y, width: WIDTH, height: ROW }),
    svg("text", { class: "label", x: 0, y: y + 14 }, label),
    bar);
  });
  return svg("svg", {
    class: "gantt", viewBox: `0 0 ${WIDTH} ${height}`, width: "100%", role: "img",
    "aria-label": `Timeline of ${tasks.length} task run${tasks.length === 1 ? "" : "s"}`,
  }, ticks, rows);
}

/** When a task run started and ended, in ms; a running one ends now, an unstarted one has no start. */
function span(task, now) {
  if (!task.start_time) return { start: null, end: null };
  const start = Date.parse(task.start_time);
  const end = task.end_time ? Date.parse(task.end_time) : task.state_type === "RUNNING" ? now : start;
  return { start, end: Math.max(end, start) };
}
