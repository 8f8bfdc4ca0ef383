// A clean background plate of a static camera, gathered from the frames of a talking-head video:
// every pixel keeps a bounded random sample of the colours it showed while no person was near it, and
// the plate is their per-channel median; pixels never seen are inpainted. docs/plates.md describes it.
#pragma once

#include <cstdint>
#include <vector>

namespace being::plates {

struct BackgroundPlateOptions {
  int person_margin_px = 8;      // a pixel counts only this far (Euclidean) from any person pixel
  std::uint8_t person_alpha = 8;  // alpha above this marks a person pixel (the "~0" of the soft alpha)
  int samples_per_pixel = 24;    // reservoir size: the median is taken over at most this many samples
  int min_seen = 3;              // pixels seen fewer times are inpainted and left out of `seen`
  int smoothing_sweeps = 60;     // Gauss-Seidel sweeps of the Laplace fill after the push-pull
  std::uint32_t seed = 1;        // the reservoir's random replacement (reproducible plates)
};

struct BackgroundPlateResult {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;   // the plate, width * height * 3
  std::vector<std::uint8_t> seen;  // 1 where the pixel was observed at least min_seen times, else 0
  float seen_fraction = 0;         // fraction of pixels with seen = 1
  // Median over the kept samples of seen pixels of |sample - plate| (mean over RGB, 8-bit units):
  // sensor noise (a few units) for a static camera, large when the camera or the lighting moved.
  float median_abs_diff = 0;
  int frames = 0;                  // frames added
};

class BackgroundPlate {
 public:
  BackgroundPlate(int width, int height, const BackgroundPlateOptions& options = {});

  // rgb: width * height * 3; person_alpha: width * height (0-255, e.g. LabelMap::alpha).
  void add(const std::uint8_t* rgb, const std::uint8_t* person_alpha);
  // The plate from the frames so far; throws std::runtime_error when no pixel was ever seen.
  BackgroundPlateResult finish() const;

 private:
  int width_, height_;
  BackgroundPlateOptions options_;
  int frames_ = 0;
  std::uint32_t rng_;
  std::vector<std::uint32_t> count_;    // background observations per pixel
  std::vector<std::uint8_t> samples_;   // per pixel samples_per_pixel RGB triples
  std::vector<float> distance_;         // scratch: squared distance to the nearest person pixel
};

}  // namespace being::plates
