// Node's first run without a GPU: where SwiftShader's Vulkan driver (a CPU WebGPU, the one Chromium uses when
// there is no GPU) usually lies, and what init() says when no adapter is found. Pure functions over paths and
// the platform, so the lookup and the message are unit-tested without a GPU (node-advice.test.ts); node-gpu.ts
// gives them the file system and the environment.
//
// Dawn (the `webgpu` package) runs on Vulkan on Linux; the Vulkan loader reads VK_ICD_FILENAMES when Dawn creates
// its instance (`create([])`), so pointing it at Chromium's vk_swiftshader_icd.json before create() gives an
// adapter on a machine with no GPU driver at all.

/** The ICD file's name beside every Chromium and Chrome build that ships SwiftShader. */
export const SWIFTSHADER_ICD = 'vk_swiftshader_icd.json';

/** Folders that hold a Chromium/Chrome build directly: distribution packages, the snap, Google Chrome. */
export const CHROMIUM_DIRS: readonly string[] = [
  '/usr/lib/chromium', // Debian, Arch
  '/usr/lib/chromium-browser', // Ubuntu's deb, Alpine
  '/usr/lib64/chromium-browser', // Fedora, openSUSE
  '/snap/chromium/current/usr/lib/chromium-browser', // Ubuntu's snap
  '/opt/google/chrome', // Google Chrome
  '/opt/chromium.org/chromium',
];

/**
 * Folders under which a downloaded browser lies one or two levels down: puppeteer's cache
 * (chrome/linux-<version>/chrome-linux64) and playwright's (chromium-<build>/chrome-linux).
 */
export function browserCaches(home: string | undefined, env: Readonly<Record<string, string | undefined>>): string[] {
  const roots: string[] = [];
  if (env.PUPPETEER_CACHE_DIR) roots.push(env.PUPPETEER_CACHE_DIR);
  if (home) roots.push(`${home}/.cache/puppeteer`);
  if (env.PLAYWRIGHT_BROWSERS_PATH) roots.push(env.PLAYWRIGHT_BROWSERS_PATH);
  if (home) roots.push(`${home}/.cache/ms-playwright`);
  return roots;
}

/** The ICD paths to try, in order: the fixed Chromium folders, then each downloaded browser folder found. */
export function swiftShaderCandidates(browserDirs: readonly string[] = []): string[] {
  return [...CHROMIUM_DIRS, ...browserDirs].map((d) => `${d.replace(/\/+$/, '')}/${SWIFTSHADER_ICD}`);
}

/** The first candidate that exists, or null. */
export function findSwiftShaderIcd(candidates: readonly string[], exists: (path: string) => boolean): string | null {
  return candidates.find((p) => exists(p)) ?? null;
}

export interface NoAdapterFacts {
  /** process.platform. */
  platform: string;
  /** VK_ICD_FILENAMES as the user set it (before init() tried anything), if set. */
  userIcd?: string | undefined;
  /** The SwiftShader ICD init() found and tried, or null when none was found. */
  triedIcd?: string | null;
  /** True when the caller passed its own GPU object (init({ gpu })), which init() cannot recreate. */
  ownGpu?: boolean;
}

const GLES =
  "or Mesa's OpenGL ES driver: EGL_PLATFORM=surfaceless and init({ gpu: create(['backend=opengles']) }) with " +
  "`import { create } from 'webgpu'` (Debian/Ubuntu: apt install libegl-mesa0 libgles2 libgl1-mesa-dri)";

/** What init() says in Node when no adapter is found: what to do on this kind of machine. */
export function noAdapterMessage(facts: NoAdapterFacts): string {
  const head = 'init: no WebGPU adapter was found';
  if (facts.platform === 'win32') {
    return `${head}: Dawn runs on Direct3D 12 here; install or update your GPU driver (Windows' WARP software adapter needs Windows 10 or later)`;
  }
  if (facts.platform === 'darwin') return `${head}: Dawn runs on Metal here, which needs macOS 10.15 or later on a Metal-capable Mac`;
  const tried: string[] = [];
  if (facts.userIcd) tried.push(`VK_ICD_FILENAMES=${facts.userIcd} gave none (does the file exist and name a driver that loads?)`);
  if (facts.triedIcd) tried.push(`SwiftShader's Vulkan driver at ${facts.triedIcd} gave none either`);
  if (!facts.userIcd && facts.triedIcd === null) {
    tried.push(`no SwiftShader Vulkan driver was found (looked for ${SWIFTSHADER_ICD} where Chromium and Chrome ship it)`);
  }
  const swiftshader = facts.ownGpu
    ? `set VK_ICD_FILENAMES to SwiftShader's ${SWIFTSHADER_ICD} before create([]) (init() without { gpu } finds it itself)`
    : `point VK_ICD_FILENAMES at SwiftShader's CPU driver, which Chromium ships (apt install chromium, then ` +
      `VK_ICD_FILENAMES=/usr/lib/chromium/${SWIFTSHADER_ICD}; init() looks there itself)`;
  const todo =
    "Dawn runs on Vulkan here: install your GPU's Vulkan driver (Debian/Ubuntu: mesa-vulkan-drivers for AMD and Intel, " +
    `the NVIDIA driver for NVIDIA), or ${swiftshader}, ${GLES}`;
  return `${head}${tried.length > 0 ? ` (${tried.join('; ')})` : ''}. ${todo}`;
}
