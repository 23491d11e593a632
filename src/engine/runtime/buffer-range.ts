// The one shape in which the runtime passes GPU memory around: a byte range of a buffer. Kernels bind ranges,
// copies and readbacks take them, the arena and the pool hand them out. It has a module of its own so that
// every runtime module can name it without importing the recorder.

/** A range of a GPU buffer bound to one kernel binding. */
export interface BufferRange {
  buffer: GPUBuffer;
  offset: number;
  size: number;
}
