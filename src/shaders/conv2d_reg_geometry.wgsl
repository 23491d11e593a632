// conv2d_reg_geometry.wgsl: the layer geometry of the register-tiled conv kernels (conv2d_fwd_reg, conv2d_dgrad_reg,
// conv2d_wgrad_reg), as pipeline-overridable constants that src/engine/ops/conv.ts sets per layer, so that every
// index division is by a literal. WGSL has no include: the engine prepends this file to each of the three.

override C_: u32 = 1u;   // input channels (all groups)
override H_: u32 = 1u;
override W_: u32 = 1u;
override O_: u32 = 1u;   // output channels (all groups)
override OH_: u32 = 1u;
override OW_: u32 = 1u;
override GROUPS: u32 = 1u;
override KH: u32 = 1u;
override KW: u32 = 1u;
override SH: u32 = 1u;
override SW: u32 = 1u;
override PH: u32 = 0u;
override PW: u32 = 0u;
override DH: u32 = 1u;
override DW_: u32 = 1u;

override CG: u32 = C_ / GROUPS;   // input channels per group
override OG: u32 = O_ / GROUPS;   // output channels per group
