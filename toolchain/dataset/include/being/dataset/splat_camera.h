// A dataset frame's camera as the rasterizer's Camera (kernels/splat): the view is the head pose, so
// Gaussians in head space render as the frame's crop sees them. Header-only, for the trainer and the
// evaluation, which both link kernels/splat.
#pragma once

#include "being/dataset/dataset.h"
#include "being/splat/types.h"

namespace being::dataset {

inline splat::Camera splat_camera(const Dataset& data, int frame) {
  const FrameCamera c = frame_camera(data.manifest(), data.tracks(), frame);
  splat::Camera camera;
  camera.fx = c.fx;
  camera.fy = c.fy;
  camera.cx = c.cx;
  camera.cy = c.cy;
  camera.width = c.width;
  camera.height = c.height;
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) camera.view[i * 4 + j] = c.rotation[i * 3 + j];
    camera.view[i * 4 + 3] = c.translation[i];
  }
  return camera;
}

}  // namespace being::dataset
