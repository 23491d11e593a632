// The "Your images" tab, part 1: the visitor's images by class. Classes are added and named; images come from a
// dropped or picked folder of class folders (torchvision's ImageFolder layout, root/<class>/…), from files dropped
// or picked per class, or from the webcam (a live preview and a hold-to-record button per class). Each image is
// decoded once by the browser to check it and draw its thumbnail; what the page keeps is the file itself (a photo
// over MAX_SIDE pixels a side is kept as a MAX_SIDE copy instead: a 20-megapixel photo is 80 MB decoded) and a
// 64-pixel thumbnail. Training gets them as Blobs by class (imagesByClass), for data.fromClasses.

import { byId, esc } from './common.ts';

/** Longest side kept of a photo (larger ones are kept as a copy of this size: training uses at most 256). */
export const MAX_SIDE = 1024;
/** Longest side of a captured webcam frame. */
const FRAME_SIDE = 320;
const THUMB = 64;
/** Milliseconds between frames while the record button is held. */
const FRAME_EVERY = 120;

export interface Shot {
  id: number;
  name: string;
  blob: Blob;
  width: number;
  height: number;
  thumb: HTMLCanvasElement;
}

export interface ClassBox {
  id: number;
  name: string;
  shots: Shot[];
}

export interface Notes {
  info(text: string): void;
  error(text: string): void;
  /** Called when the images change (the prepared set and the advice go stale). */
  changed(): void;
  /** Runs an action as the page's one job (errors shown, buttons disabled meanwhile). */
  run(fn: () => Promise<void>): Promise<void>;
}

export const classes: ClassBox[] = [];
let nextId = 1;
let notes: Notes;
let stream: MediaStream | null = null;

/** Images held by the page: count and bytes (the kept files or frames, and their thumbnails). */
export function heldImages(): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  for (const c of classes) {
    for (const s of c.shots) {
      count++;
      bytes += s.blob.size + THUMB * THUMB * 4;
    }
  }
  return { count, bytes };
}

/** The images as Blobs by class name, in the page's class order. */
export function imagesByClass(): Record<string, Blob[]> {
  return Object.fromEntries(classes.map((c) => [c.name, c.shots.map((s) => s.blob)]));
}

export function addClass(name?: string): ClassBox {
  const box: ClassBox = { id: nextId++, name: name ?? `class ${classes.length + 1}`, shots: [] };
  classes.push(box);
  render();
  notes?.changed();
  return box;
}

function classNamed(name: string): ClassBox {
  return classes.find((c) => c.name === name) ?? addClass(name);
}

/** Decodes a file or frame once: its size and a thumbnail; a photo over MAX_SIDE is replaced by a smaller copy. */
async function toShot(blob: Blob, name: string, maxSide: number): Promise<Shot> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch {
    throw new Error(`${name} is not an image the browser can decode: add PNG, JPEG, WebP, GIF or BMP files (it was left out)`);
  }
  try {
    const { width, height } = bitmap;
    let kept = blob;
    if (Math.max(width, height) > maxSide) {
      const k = maxSide / Math.max(width, height);
      const w = Math.max(1, Math.round(width * k));
      const h = Math.max(1, Math.round(height * k));
      const small = await createImageBitmap(bitmap, { resizeWidth: w, resizeHeight: h, resizeQuality: 'high' });
      const canvas = new OffscreenCanvas(w, h);
      canvas.getContext('2d')!.drawImage(small, 0, 0);
      small.close();
      kept = await canvas.convertToBlob({ type: 'image/png' });
      if (width * height >= 4e6) {
        notes.info(`${name} is ${width}×${height} (${(width * height / 1e6).toFixed(1)} megapixels): the studio keeps a ${w}×${h} copy `
          + `(${(kept.size / 1024).toFixed(0)} kB; training uses at most 256 pixels a side). Resize large photos before adding them to save time.`);
      }
    }
    const thumb = document.createElement('canvas');
    const t = THUMB / Math.max(width, height);
    thumb.width = Math.max(1, Math.round(width * t));
    thumb.height = Math.max(1, Math.round(height * t));
    thumb.getContext('2d')!.drawImage(bitmap, 0, 0, thumb.width, thumb.height);
    return { id: nextId++, name, blob: kept, width, height, thumb };
  } finally {
    bitmap.close();
  }
}

/** Adds files to a class; files that do not decode are left out with a message naming them. */
export async function addFiles(box: ClassBox, files: Iterable<File>): Promise<number> {
  const bad: string[] = [];
  let added = 0;
  for (const f of files) {
    try {
      box.shots.push(await toShot(f, f.name, MAX_SIDE));
      added++;
    } catch (e) {
      bad.push(e instanceof Error ? e.message : String(e));
    }
  }
  render();
  notes.changed();
  if (bad.length) throw new Error(bad.join('\n'));
  return added;
}

/** A folder of class folders: files whose path is root/<class>/…; others are named in a message. */
export async function addFolder(files: Array<{ path: string; file: File }>): Promise<void> {
  const groups = new Map<string, File[]>();
  const outside: string[] = [];
  for (const { path, file } of files) {
    const parts = path.split('/').filter(Boolean);
    if (parts.length < 3) outside.push(path);
    else if (!parts[parts.length - 1]!.startsWith('.')) groups.set(parts[1]!, [...(groups.get(parts[1]!) ?? []), file]);
  }
  if (groups.size === 0) {
    throw new Error('no class folders found: drop or pick a folder whose sub-folders are the classes (photos/cat/…, photos/dog/…), '
      + 'or add files to a class with its own file button');
  }
  const bad: string[] = [];
  for (const [name, list] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    await addFiles(classNamed(name), list).catch((e: unknown) => bad.push(e instanceof Error ? e.message : String(e)));
  }
  if (bad.length) throw new Error(bad.join('\n'));
  if (outside.length) {
    const some = `${outside.slice(0, 3).join(', ')}${outside.length > 3 ? ', …' : ''}`;
    notes.info(`left out ${outside.length} file(s) outside any class folder: ${some}`);
  }
}

/** The files under a dropped directory entry, with their paths. */
async function walk(entry: FileSystemEntry, out: Array<{ path: string; file: File }>): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail));
    out.push({ path: entry.fullPath.replace(/^\//, ''), file });
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
      if (!batch.length) break;
      for (const e of batch) await walk(e, out);
    }
  }
}

/** A drop: folders go through addFolder; loose files go to `box` (or ask for a class). */
async function onDrop(ev: DragEvent, box: ClassBox | null): Promise<void> {
  ev.preventDefault();
  const items = Array.from(ev.dataTransfer?.items ?? []);
  const entries = items.map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  if (entries.some((e) => e.isDirectory)) {
    const files: Array<{ path: string; file: File }> = [];
    for (const e of entries) await walk(e, files);
    await addFolder(files);
  } else if (box) {
    await addFiles(box, Array.from(ev.dataTransfer?.files ?? []));
  } else {
    throw new Error('drop loose files onto a class (or drop a folder of class folders here)');
  }
}

// ------------------------------------------------------------------ webcam

export function webcamOn(): boolean {
  return stream !== null;
}

export async function startWebcam(): Promise<void> {
  if (stream) return;
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new Error('this browser gives no webcam here (navigator.mediaDevices is missing: the page needs https or localhost); add files instead');
  }
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  } catch (e) {
    const name = e instanceof Error ? e.name : 'Error';
    const what = name === 'NotAllowedError'
      ? 'the webcam was refused: allow the camera for this page (the camera icon in the address bar) and press Start webcam again'
      : name === 'NotFoundError' ? 'no webcam was found: connect one and press Start webcam again'
      : `the webcam could not start (${name}): close other programs using it and press Start webcam again`;
    throw new Error(`${what}; or add image files instead (${name})`);
  }
  const video = byId<HTMLVideoElement>('webcam');
  video.srcObject = stream;
  await video.play();
  render();
}

export function stopWebcam(): void {
  stream?.getTracks().forEach((t) => t.stop());
  stream = null;
  byId<HTMLVideoElement>('webcam').srcObject = null;
  render();
}

/** The current webcam frame on a canvas of at most `side` pixels a side. */
export function webcamFrame(side = FRAME_SIDE): HTMLCanvasElement {
  const video = byId<HTMLVideoElement>('webcam');
  if (!stream || !video.videoWidth) throw new Error('start the webcam first (Start webcam)');
  const k = Math.min(1, side / Math.max(video.videoWidth, video.videoHeight));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(video.videoWidth * k);
  canvas.height = Math.round(video.videoHeight * k);
  canvas.getContext('2d')!.drawImage(video, 0, 0, canvas.width, canvas.height);
  return canvas;
}

/** Records frames into `box` while the button is held (pointer down … up or leave). */
function holdToRecord(button: HTMLButtonElement, box: ClassBox): void {
  let timer: number | null = null;
  let frames = 0;
  let inflight: Promise<void> = Promise.resolve(); // frames are taken one after another, in order
  const grab = async (): Promise<void> => {
    const canvas = webcamFrame();
    const blob = await new Promise<Blob>((ok, fail) => canvas.toBlob((b) => (b ? ok(b) : fail(new Error('no frame'))), 'image/jpeg', 0.9));
    box.shots.push(await toShot(blob, `webcam ${box.name} ${++frames}`, FRAME_SIDE));
    const count = document.querySelector(`.class-box[data-class="${box.id}"] .count`);
    if (count) count.textContent = `${box.shots.length} image(s)`;
  };
  const stop = (): void => {
    if (timer === null) return;
    clearInterval(timer);
    timer = null;
    button.classList.remove('recording');
    void inflight.then(() => {
      render();
      notes.changed();
    });
  };
  const take = (): void => {
    inflight = inflight.then(grab).catch((e: unknown) => notes.error(e instanceof Error ? e.message : String(e)));
  };
  button.addEventListener('pointerdown', (ev) => {
    ev.preventDefault();
    if (!stream) {
      notes.error('start the webcam first (Start webcam), then hold the button to record');
      return;
    }
    button.classList.add('recording');
    take();
    timer = window.setInterval(take, FRAME_EVERY);
  });
  for (const ev of ['pointerup', 'pointerleave', 'pointercancel']) button.addEventListener(ev, stop);
}

// ------------------------------------------------------------------ rendering

export function render(): void {
  const root = byId('classes');
  root.replaceChildren();
  for (const box of classes) {
    const el = document.createElement('div');
    el.className = 'class-box';
    el.dataset.class = String(box.id);
    el.innerHTML = `<div class="class-head"><input type="text" class="class-name" value="${esc(box.name)}" size="14" />`
      + `<span class="count">${box.shots.length} image(s)</span>`
      + `<label class="pick">add files <input type="file" class="class-files" multiple accept="image/*" /></label>`
      + `<button class="record"${stream ? '' : ' disabled'} title="hold to record webcam frames">hold to record</button>`
      + '<button class="remove-class" title="remove this class and its images">remove class</button></div><div class="thumbs"></div>';
    const thumbs = el.querySelector('.thumbs')!;
    for (const s of box.shots) {
      const cell = document.createElement('div');
      cell.className = 'thumb';
      cell.title = `${s.name} (${s.width}×${s.height})`;
      const x = document.createElement('button');
      x.className = 'remove-image';
      x.textContent = '×';
      x.title = `remove ${s.name}`;
      x.addEventListener('click', () => {
        box.shots = box.shots.filter((t) => t !== s);
        render();
        notes.changed();
      });
      cell.append(s.thumb, x);
      thumbs.append(cell);
    }
    el.querySelector<HTMLInputElement>('.class-name')!.addEventListener('change', (ev) => {
      box.name = (ev.target as HTMLInputElement).value.trim();
      notes.changed();
    });
    el.querySelector<HTMLInputElement>('.class-files')!.addEventListener('change', (ev) => {
      const input = ev.target as HTMLInputElement;
      const files = Array.from(input.files ?? []);
      input.value = '';
      void notes.run(async () => void (await addFiles(box, files)));
    });
    el.querySelector('.remove-class')!.addEventListener('click', () => {
      classes.splice(classes.indexOf(box), 1);
      render();
      notes.changed();
    });
    holdToRecord(el.querySelector<HTMLButtonElement>('.record')!, box);
    el.addEventListener('dragover', (ev) => ev.preventDefault());
    el.addEventListener('drop', (ev) => {
      ev.stopPropagation();
      void notes.run(() => onDrop(ev, box));
    });
    root.append(el);
  }
  const held = heldImages();
  byId('image-count').textContent = `${classes.length} class(es), ${held.count} image(s)`;
  byId<HTMLButtonElement>('webcam-start').disabled = stream !== null;
  byId<HTMLButtonElement>('webcam-stop').disabled = stream === null;
}

/** Wires the inputs of the images section. */
export function setupInput(n: Notes): void {
  notes = n;
  const folder = byId<HTMLInputElement>('folder-input');
  folder.addEventListener('change', () => {
    const files = Array.from(folder.files ?? []).map((file) => ({ path: file.webkitRelativePath || file.name, file }));
    folder.value = '';
    void notes.run(() => addFolder(files));
  });
  const zone = byId('drop-zone');
  zone.addEventListener('dragover', (ev) => ev.preventDefault());
  zone.addEventListener('drop', (ev) => void notes.run(() => onDrop(ev, null)));
  byId('add-class').addEventListener('click', () => {
    const input = byId<HTMLInputElement>('new-class');
    const name = input.value.trim();
    if (name && classes.some((c) => c.name === name)) {
      notes.error(`there is already a class named '${name}': give the new class another name`);
      return;
    }
    addClass(name || undefined);
    input.value = '';
  });
  render();
}
