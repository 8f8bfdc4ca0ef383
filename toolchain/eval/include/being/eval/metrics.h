// The per-frame pieces of the evaluation protocol (docs/evaluation.md), plain C++ on 8-bit RGB
// images: image metrics, the face box, the torso plate a frame is rendered over, and the mouth
// measures on MediaPipe landmarks.
#pragma once

#include <cstdint>
#include <vector>

#include "being/dataset/dataset.h"
#include "being/draw/canvas.h"
#include "being/face/roi.h"

namespace being::eval {

// Pixels x0 <= x < x1, y0 <= y < y1.
struct Box {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  int width() const { return x1 - x0; }
  int height() const { return y1 - y0; }
};

// Identical images would give an infinite PSNR; the mean squared error is floored so that a perfect
// frame scores this and the mean over frames stays finite.
inline constexpr double kMaxPsnr = 100.0;

// PSNR in dB of two same-sized RGB images inside `box` (peak 255, all three channels).
double psnr(const draw::Image& a, const draw::Image& b, const Box& box);
// SSIM (Wang et al. 2004: Gaussian window sigma 1.5, 11 taps, K1 0.01, K2 0.03, peak 255) inside
// `box`, mean over the windows that fit in the box and over the three channels. NaN when the box is
// smaller than the window.
double ssim(const draw::Image& a, const draw::Image& b, const Box& box);
inline Box whole(const draw::Image& image) { return {0, 0, image.width, image.height}; }

// The box of the 468 face-mesh landmarks of frame `frame` (source pixels in tracks.landmarks)
// projected into its crop, grown by `grow` of its width and height (half each side) and clipped
// to the crop.
Box face_box(const dataset::Dataset& dataset, int frame, double grow = 0.10);

// The source-size background plate resampled to the crop window of `frame` (bilinear; several taps
// per pixel when the window is much larger than the crop).
draw::Image crop_background(const dataset::Image& background, const float crop[3], int crop_size);
// The crop of frame `frame` with its head (labels 2-6) replaced by the cropped background plate, as
// the trainer composites (no grown or feathered edge: the avatar learnt to cover exactly the head).
draw::Image torso_plate(const dataset::Dataset& dataset, int frame, const draw::Image& background_crop);
// color [H,W,3] and alpha [H,W] of a render over background 0: color + (1 - alpha) * plate, rounded.
draw::Image composite(const float* color, const float* alpha, const draw::Image& plate);

// The 40 landmarks of MediaPipe's FACEMESH_LIPS contours (outer and inner loop), ascending.
const std::vector<int>& lip_landmarks();
// Inner-lip gap (landmarks 13-14) over the face height (10-152).
double mouth_opening(const std::vector<face::Landmark>& landmarks);
// Mean distance of the lip landmarks, in the landmarks' unit.
double lip_distance(const std::vector<face::Landmark>& a, const std::vector<face::Landmark>& b);
// Pearson correlation; NaN with fewer than 3 pairs or a constant series.
double pearson(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace being::eval
