// The index page: links, and whether this browser has WebGPU.
import { byId, describeAdapter, errorText, markReady } from './common.ts';

describeAdapter().then(
  (a) => (byId('webgpu-status').textContent =
    `WebGPU adapter: ${a.vendor} / ${a.architecture}${a.description ? ` (${a.description})` : ''}; ${a.features.length} features.`),
  (e: unknown) => (byId('webgpu-status').textContent = errorText(e)),
).finally(markReady);
