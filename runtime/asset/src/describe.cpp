#include <sstream>

#include "being/asset/avatar.h"

namespace being::asset {

std::string describe(const Avatar& a) {
  std::ostringstream s;
  size_t groups[3] = {0, 0, 0};
  for (uint8_t g : a.binding.groups) {
    if (g < 3) ++groups[g];
  }
  s << "format version " << kFormatVersion << "\n";
  s << "gaussians: " << a.gaussians.count() << " (face " << groups[0] << ", head-rigid "
    << groups[1] << ", mouth " << groups[2] << "), SH degree " << a.gaussians.sh_degree << "\n";
  s << "face mesh: " << a.face.vertex_count() << " vertices, " << a.face.triangle_count()
    << " triangles, expression dimension " << a.face.expression_dim() << "\n";
  for (const Network& n : a.networks) {
    size_t parameters = 0;
    size_t bytes = 0;
    for (const Tensor& t : n.tensors) {
      bytes += t.data.size();
      parameters += t.data.size() / (t.dtype == DType::float16 ? 2 : 4);
    }
    s << "network " << n.name << ": " << n.input_dim << " -> " << n.output_dim << ", "
      << n.layers.size() << " layers (";
    for (size_t i = 0; i < n.layers.size(); ++i) s << (i ? " " : "") << to_string(n.layers[i].type);
    s << "), " << parameters << " parameters, " << bytes << " bytes\n";
  }
  const AudioConfig& au = a.audio;
  s << "audio: " << au.sample_rate << " Hz, " << au.mel_bins << " mel bins " << au.fmin << "-"
    << au.fmax << " Hz, window " << au.window << ", hop " << au.hop << ", normalisation "
    << (au.normalisation == MelNormalisation::none ? "none" : "per_utterance") << ", "
    << au.video_fps << " fps, context -" << au.context_before << "/+" << au.context_after
    << " frames\n";
  const Camera& c = a.camera;
  s << "camera: " << c.width << "x" << c.height << ", fx " << c.fx << " fy " << c.fy << " cx "
    << c.cx << " cy " << c.cy << "\n";
  size_t plate_bytes = 0;
  for (const Plate& p : a.idle.plates) plate_bytes += p.bytes.size();
  s << "idle loop: " << a.idle.frame_count() << " frames at " << a.idle.fps << " fps, "
    << a.idle.plates.size() << " plates (" << plate_bytes << " bytes)\n";
  if (!a.tuning.is_default()) {
    const Tuning& t = a.tuning;
    s << "tuning: expression gain " << t.expression_gain << ", smoothing " << t.smoothing << " s, "
      << (t.expression_weights.empty() ? "no" : "per-code") << " expression weights, idle frames from "
      << t.idle_first << (t.idle_count ? " (" + std::to_string(t.idle_count) + " frames)" : " to the end") << "\n";
  }
  return s.str();
}

}  // namespace being::asset
