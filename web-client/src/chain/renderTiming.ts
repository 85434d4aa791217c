/**
 * How long the chain table takes to show an update, measured in the browser
 * with performance marks: `chain-update` when a message arrives; the measure
 * `chain-render` once React and the table have written it into the DOM
 * (JavaScript's share); `chain-frame` once the browser has then run style,
 * layout and paint for it (the next frame: a requestAnimationFrame callback,
 * then a task after it). The latest durations (ms) are kept on
 * `window.__chainRenderMs` and `window.__chainFrameMs` for the end-to-end
 * test; marks are cleared, so the timeline stays small.
 */
declare global {
  interface Window {
    __chainRenderMs?: number[];
    __chainFrameMs?: number[];
  }
}

const KEEP = 500;
let pending = false;
const afterPaint = new MessageChannel();
let frameStart: number | null = null;
afterPaint.port1.onmessage = () => {
  if (frameStart == null) return;
  keep((window.__chainFrameMs ??= []), performance.now() - frameStart);
  frameStart = null;
};

function keep(list: number[], value: number): void {
  list.push(value);
  if (list.length > KEEP) list.splice(0, list.length - KEEP);
}

export function markUpdate(): void {
  performance.mark('chain-update');
  pending = true;
}

/** Called once the table has committed: measures from the latest update mark. */
export function measureRender(): void {
  if (!pending) return;
  pending = false;
  const measure = performance.measure('chain-render', 'chain-update');
  keep((window.__chainRenderMs ??= []), measure.duration);
  if (frameStart == null) {
    frameStart = measure.startTime;
    requestAnimationFrame(() => afterPaint.port2.postMessage(null));
  }
  performance.clearMarks('chain-update');
  performance.clearMeasures('chain-render');
}
