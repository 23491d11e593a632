// What the example pages share: a log that goes to the console (relayed by scripts/run-page.mjs) and the page,
// the arguments the runner passes, saving files through the runner, and reporting the verdict.

interface RunnerWindow {
  __args?: string[];
  __saveFile?: (path: string, base64: string) => Promise<void>;
  __result?: unknown;
  __error?: string;
}

// In Node (the GPU run's transfer section) the runner's hooks live on globalThis and there is no document.
const w = (typeof window !== 'undefined' ? window : globalThis) as unknown as RunnerWindow;
const logEl = typeof document !== 'undefined' ? document.getElementById('log') : null;

export function log(line: string): void {
  console.log(line);
  if (logEl) logEl.textContent += `${line}\n`;
}

/** The runner's arguments (`npm run x -- --quick`), or the page URL's `?args=--quick,--seeds=2`. */
export function pageArgs(): string[] {
  if (w.__args) return w.__args;
  if (typeof location === 'undefined') return [];
  const q = new URLSearchParams(location.search).get('args');
  return q ? q.split(',') : [];
}

/** The value of `--name=value` among the arguments, or undefined. */
export function argValue(name: string): string | undefined {
  const prefix = `--${name}=`;
  return pageArgs().find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

/** Whether the runner can save files (headless runs); a page opened by hand offers downloads instead. */
export function canSave(): boolean {
  return typeof w.__saveFile === 'function';
}

/** Saves `data` under the repo (bench/results/… or pretrained/…) when run headless, else offers a download. */
export async function saveFile(path: string, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  if (w.__saveFile) {
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    await w.__saveFile(path, btoa(bin));
    return;
  }
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>]));
  a.download = path.split('/').pop()!;
  a.click();
}

/** Runs the page's main function and reports its verdict to the runner. */
export function runMain(main: () => Promise<unknown>): void {
  main().then(
    (result) => (w.__result = result ?? true),
    (err: unknown) => {
      w.__error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      log(`error: ${w.__error}`);
      if (err instanceof Error && err.stack) console.error(err.stack);
    },
  );
}

/** "1 m 05 s" style durations for progress lines. */
export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  return `${m} m ${String(Math.floor(s - m * 60)).padStart(2, "0")} s`;
}
