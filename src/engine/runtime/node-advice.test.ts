// Node's first run without a GPU (node-advice.ts): where SwiftShader's Vulkan driver is looked for, in which
// order, and what init() says on each kind of machine. That the found driver then gives an adapter is checked
// from the packed tarball (tests/package/run.mjs: init() with no VK_ICD_FILENAMES on this GPU-less machine).

import { describe, expect, it } from 'vitest';
import { browserCaches, findSwiftShaderIcd, noAdapterMessage, swiftShaderCandidates } from './node-advice.ts';

describe('finding SwiftShader', () => {
  it("tries Debian's Chromium first, then the other distributions, Chrome, then downloaded browsers", () => {
    const candidates = swiftShaderCandidates(['/home/u/.cache/puppeteer/chrome/linux-131/chrome-linux64/']);
    expect(candidates[0]).toBe('/usr/lib/chromium/vk_swiftshader_icd.json');
    expect(candidates).toContain('/usr/lib/chromium-browser/vk_swiftshader_icd.json');
    expect(candidates).toContain('/snap/chromium/current/usr/lib/chromium-browser/vk_swiftshader_icd.json');
    expect(candidates).toContain('/opt/google/chrome/vk_swiftshader_icd.json');
    expect(candidates.at(-1)).toBe('/home/u/.cache/puppeteer/chrome/linux-131/chrome-linux64/vk_swiftshader_icd.json');
  });

  it('takes the first candidate that exists, null when none does', () => {
    const candidates = swiftShaderCandidates(['/a', '/b']);
    const on = (...present: string[]) => (p: string) => present.includes(p);
    expect(findSwiftShaderIcd(candidates, on('/b/vk_swiftshader_icd.json', '/opt/google/chrome/vk_swiftshader_icd.json'))).toBe(
      '/opt/google/chrome/vk_swiftshader_icd.json',
    );
    expect(findSwiftShaderIcd(candidates, on('/b/vk_swiftshader_icd.json'))).toBe('/b/vk_swiftshader_icd.json');
    expect(findSwiftShaderIcd(candidates, on())).toBeNull();
  });

  it("looks in puppeteer's and playwright's caches, the environment's first", () => {
    expect(browserCaches('/home/u', { PUPPETEER_CACHE_DIR: '/pc' })).toEqual(['/pc', '/home/u/.cache/puppeteer', '/home/u/.cache/ms-playwright']);
    expect(browserCaches(undefined, { PLAYWRIGHT_BROWSERS_PATH: '/pw' })).toEqual(['/pw']);
  });
});

describe('the message when no adapter is found', () => {
  it('on Linux with nothing found: names the GPU driver, SwiftShader through VK_ICD_FILENAMES, and Mesa GLES', () => {
    const m = noAdapterMessage({ platform: 'linux', triedIcd: null });
    expect(m).toMatch(/^init: no WebGPU adapter was found \(no SwiftShader Vulkan driver was found/);
    expect(m).toContain('mesa-vulkan-drivers');
    expect(m).toContain('VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json');
    expect(m).toContain('apt install chromium');
    expect(m).toContain("create(['backend=opengles'])");
    expect(m).toContain('EGL_PLATFORM=surfaceless');
  });

  it('names the driver it tried, and the one the user set', () => {
    const tried = noAdapterMessage({ platform: 'linux', triedIcd: '/opt/google/chrome/vk_swiftshader_icd.json' });
    expect(tried).toContain("SwiftShader's Vulkan driver at /opt/google/chrome/vk_swiftshader_icd.json gave none");
    const user = noAdapterMessage({ platform: 'linux', userIcd: '/x/icd.json' });
    expect(user).toContain('VK_ICD_FILENAMES=/x/icd.json gave none');
    expect(user).not.toContain('no SwiftShader Vulkan driver was found');
  });

  it('with the caller’s own GPU object: set VK_ICD_FILENAMES before create([])', () => {
    expect(noAdapterMessage({ platform: 'linux', ownGpu: true })).toContain('before create([])');
  });

  it('on Windows and macOS: the driver Dawn uses there', () => {
    expect(noAdapterMessage({ platform: 'win32' })).toContain('Direct3D 12');
    expect(noAdapterMessage({ platform: 'darwin' })).toContain('Metal');
  });
});
