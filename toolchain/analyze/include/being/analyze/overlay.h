// The analysis drawn over its frame, for a person to check by eye: person/hair mask tints, the mesh
// wireframe, eye/brow/lip/face-oval contours, irises, the landmarks, the crop region, the five
// strongest blendshapes as bars with names, and the frame index and status.
#pragma once

#include <string>
#include <vector>

#include "being/analyze/frame_analysis.h"
#include "being/draw/canvas.h"

namespace being::analyze {

// frame_rgb: the analysed frame (analysis.width * analysis.height * 3 bytes). blendshape_names: the
// 52 names (FrameAnalyzer::blendshape_names()). Needs the canonical face from the model cache.
draw::Image draw_overlay(const std::uint8_t* frame_rgb, const FrameAnalysis& analysis, int frame_index,
                         double time_s, const std::vector<std::string>& blendshape_names);

// Area-averaged downscale by an integer factor (contact-sheet thumbnails).
draw::Image shrink(const draw::Image& image, int factor);

}  // namespace being::analyze
