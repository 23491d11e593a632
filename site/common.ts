// What the site's pages share: the page chrome, messages, progress, the quick flag, asset URLs, the adapter's
// description, and the page state the headless page tests read (window.__site).

export interface SiteState {
  /** The page finished loading and its controls work. */
  ready: boolean;
  /** A run (benchmark, sweep, training) is in progress. */
  busy: boolean;
  /** Runs finished, by kind, for tests. */
  runs: number;
  /** Jobs ended, well or not (tests wait on it after an action that starts one, e.g. a file picked). */
  jobs: number;
  /** Last error shown in the page (cleared on the next run). */
  lastError: string | null;
  /** The page's last result (the benchmark report), for tests. */
  result: unknown;
}

const w = window as unknown as { __site?: SiteState };
export const site: SiteState = (w.__site = { ready: false, busy: false, runs: 0, jobs: 0, lastError: null, result: null });

const PAGES: Array<[string, string]> = [
  ['index.html', 'Home'], ['bench.html', 'Benchmarks'], ['kernels.html', 'Kernel explorer'], ['studio.html', 'Training studio'],
];

/** The page header: the project's name and a link to every page (this one in bold). */
function renderNav(): void {
  const nav = document.getElementById('nav');
  if (!nav) return;
  const here = location.pathname.split('/').pop() || 'index.html';
  const links = PAGES.map(([file, title]) => `<a href="./${file}"${file === here ? ' class="here"' : ''}>${title}</a>`).join('');
  nav.innerHTML = `<span class="brand">webgpu-tensor</span>${links}`;
}
renderNav();

/** `?quick=1`: tiny sizes and few steps, for the page tests on a CPU adapter (SwiftShader, ~1 GFLOP/s). */
export const QUICK = new URLSearchParams(location.search).get('quick') === '1';

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page: no element #${id}`);
  return e as T;
}

/** The URL of a file shipped beside the pages (data/…, results/…): relative, so any static host works. */
export function assetUrl(rel: string): string {
  return new URL(rel, document.baseURI).href;
}

export async function fetchAsset(rel: string): Promise<Response> {
  const res = await fetch(assetUrl(rel));
  if (!res.ok) throw new Error(`could not load ${rel} (HTTP ${res.status})`);
  return res;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
}

/** Shows an error in the page's message box (and remembers it for the tests); the page keeps working. */
export function showError(box: HTMLElement, e: unknown): void {
  const text = errorText(e);
  box.className = 'message error';
  box.textContent = text;
  site.lastError = text;
  console.warn(`[site] ${text}`);
}

export function showInfo(box: HTMLElement, text: string): void {
  box.className = 'message info';
  box.textContent = text;
}

export function clearMessage(box: HTMLElement): void {
  box.className = 'message';
  box.textContent = '';
  site.lastError = null;
}

/** A progress bar with a line of text beside it. */
export function progress(container: HTMLElement): { set(fraction: number, text: string): void } {
  container.classList.add('progress');
  const bar = document.createElement('progress');
  bar.max = 1;
  bar.value = 0;
  const label = document.createElement('span');
  container.replaceChildren(bar, label);
  return {
    set(fraction, text) {
      bar.value = Math.min(1, Math.max(0, fraction));
      label.textContent = text;
    },
  };
}

/**
 * Parses a positive number from a text field; throws a message naming the field otherwise (a learning rate
 * of "abc", a size of "-3", …), before any GPU work.
 */
export function readNumber(input: HTMLInputElement, what: string, { min = 0, integer = false, max = Infinity } = {}): number {
  const raw = input.value.trim();
  const v = Number(raw);
  if (raw === '' || !Number.isFinite(v)) throw new Error(`${what}: "${input.value}" is not a number`);
  if (integer && !Number.isInteger(v)) throw new Error(`${what}: ${raw} is not a whole number`);
  if (v <= min || v > max) throw new Error(`${what}: ${raw} is out of range (must be > ${min}${max < Infinity ? ` and ≤ ${max}` : ''})`);
  return v;
}

/** Runs `fn` as the page's one job: busy flag, errors shown in `box`, buttons disabled meanwhile. */
export async function job(box: HTMLElement, buttons: HTMLButtonElement[], fn: () => Promise<void>): Promise<void> {
  if (site.busy) return;
  site.busy = true;
  clearMessage(box);
  for (const b of buttons) b.disabled = true;
  try {
    await fn();
    site.runs++;
  } catch (e) {
    showError(box, e);
  } finally {
    for (const b of buttons) b.disabled = false;
    site.busy = false;
    site.jobs++;
  }
}

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  features: string[];
  limits: Record<string, number>;
}

/** The visitor's WebGPU adapter as the browser describes it; throws a clear message without WebGPU. */
export async function describeAdapter(): Promise<AdapterDescription> {
  if (!('gpu' in navigator)) throw new Error('This browser has no WebGPU (navigator.gpu is undefined). Use Chrome or Edge 113+, or enable WebGPU.');
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('WebGPU is present but no adapter was found (navigator.gpu.requestAdapter() returned null).');
  const info = adapter.info;
  const limits: Record<string, number> = {};
  for (const key in adapter.limits) {
    const v = (adapter.limits as unknown as Record<string, unknown>)[key];
    if (typeof v === 'number') limits[key] = v;
  }
  return {
    vendor: info.vendor || '?',
    architecture: info.architecture || '?',
    device: info.device || '',
    description: info.description || '',
    features: [...adapter.features].map(String).sort(),
    limits,
  };
}

/** The adapter as a small table: vendor, architecture, features, and the limits that matter for kernels. */
export function adapterTable(a: AdapterDescription): string {
  const keyLimits = [
    'maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupsPerDimension', 'maxStorageBuffersPerShaderStage',
  ];
  const rows: Array<[string, string]> = [
    ['vendor', a.vendor],
    ['architecture', a.architecture],
    ['device / description', [a.device, a.description].filter(Boolean).join(' · ') || '–'],
    ['features', a.features.join(', ') || '–'],
    ...keyLimits.filter((k) => k in a.limits).map((k): [string, string] => [k, fmtBytesOrCount(k, a.limits[k]!)]),
  ];
  return `<table class="adapter">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

function fmtBytesOrCount(key: string, v: number): string {
  if (/Size$/.test(key) && v >= 1024) {
    const unit = v >= 2 ** 30 ? `${(v / 2 ** 30).toFixed(1)} GiB` : v >= 2 ** 20 ? `${(v / 2 ** 20).toFixed(0)} MiB` : `${(v / 1024).toFixed(0)} KiB`;
    return `${v.toLocaleString('en')} (${unit})`;
  }
  return v.toLocaleString('en');
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Short number for tables: 3 significant digits, no exponent noise. */
export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 1000) return v.toFixed(0);
  return String(Number(v.toPrecision(digits)));
}

export function markReady(): void {
  site.ready = true;
}
