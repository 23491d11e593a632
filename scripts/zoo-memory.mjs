// GPU memory of one 224² fine-tuning step at batch 16, by the engine's own count (memoryStats(): bytes of the
// pooled GPU buffers): torchvision ResNet-18 and MobileNetV2, every parameter trainable, SGD with momentum.
//   node scripts/zoo-memory.mjs [resnet18|mobilenet_v2 ...] [--batch 16] [--size 224] [--wait]
// Prints, per model: parameters; the weights' bytes; the peak bytes of tensors in use during the step
// (memoryStats().peakInUseBytes between resetPeakMemory() and the end of the step: weights, activations the
// backward keeps, gradients, optimizer state, temporaries); bytes in use after the forward; and the pool's
// peak (peakLiveBytes: in use plus freed buffers kept for reuse, what the device actually holds). Buffers are
// allocated when work is recorded, so the counts are read right after recording the step; --wait also waits
// for the GPU to finish it (minutes on a CPU adapter) and reports the time. The numbers do not depend on the
// adapter.

import { launchBrowser, openEnginePage, runInPage, startServer } from './headless.mjs';

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const batch = opt('--batch', 16);
const size = opt('--size', 224);
const wait = argv.includes('--wait');
const archs = argv.filter((a, i) => !a.startsWith('--') && !(argv[i - 1]?.startsWith('--') && argv[i - 1] !== '--wait'));
const server = await startServer({ watch: false });
const browser = await launchBrowser();
try {
  for (const arch of archs.length ? archs : ['mobilenet_v2', 'resnet18']) {
    const page = await openEnginePage(browser, server.url); // a fresh page (device) per model
    const r = await runInPage(page, async (E, _H, arch, N, S, wait) => {
      await E.init();
      const MB = (b) => Math.round(b / 2 ** 20);
      const model = arch === 'resnet18' ? E.models.resnet18() : E.models.mobilenetV2();
      const opt = new E.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
      const params = model.parameters().reduce((a, p) => a + p.size, 0);
      await E.sync();
      const base = E.memoryStats().inUseBytes;
      E.resetPeakMemory();
      const x = E.rand([N, 3, S, S]);
      const y = E.zeros([N], { dtype: 'int32' });
      model.train();
      const t0 = performance.now();
      const loss = E.crossEntropy(model.forward(x), y);
      const afterForward = E.memoryStats().inUseBytes;
      loss.backward();
      opt.step();
      opt.zeroGrad();
      loss.dispose();
      const s = E.memoryStats();
      const out = {
        arch, N, S, params, weightsMB: MB(base), peakInUseMB: MB(s.peakInUseBytes), inUseAfterForwardMB: MB(afterForward),
        inUseAfterStepMB: MB(s.inUseBytes), peakPoolMB: MB(s.peakLiveBytes), seconds: null,
      };
      if (!wait) {
        E.shutdown(); // destroys the device: the recorded step is not left running on the adapter
        return out;
      }
      await E.sync();
      out.seconds = Math.round((performance.now() - t0) / 1000);
      model.dispose();
      opt.dispose();
      x.dispose();
      y.dispose();
      E.emptyCache();
      return out;
    }, arch, batch, size, wait);
    console.log(JSON.stringify(r));
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
