// What a short look-ahead costs in expression codes: the live codes (LiveExpression: running
// normalisation, look-ahead k avatar frames) of an audio file against the file form's
// (expression_codes: whole-utterance normalisation, the avatar's full look-ahead), frame by frame.
// Latency is bought with look-ahead (docs/BENCHMARKS.md, "Live latency"); this says how far the
// codes move for it. Per look-ahead: the mean over code dimensions of the Pearson correlation with
// the file form and of the RMS difference relative to the file form's standard deviation, and the
// same for the mouth opening of the deformed face mesh (inner-lip distance over face height, the
// measure of docs/QUALITY.md; computed here from the mesh and basis because the toolchain's
// implementation needs LibTorch) where the mesh is MediaPipe's 468-vertex one.
//
//   bench_live_codes --audio FILE [--avatar FILE] [--fps F] [--look-ahead N]...
#include "being/animate/expression.h"
#include "being/animate/live_expression.h"
#include "being/asset/avatar.h"
#include "being/audio/decoder.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using namespace being;

struct Agreement {
  double correlation = 0, relative_rms = 0;
};

// Agreement of two series; nothing when the reference does not vary.
bool agreement(const std::vector<double>& reference, const std::vector<double>& live, Agreement& out) {
  const std::size_t n = reference.size();
  double mr = 0, ml = 0;
  for (std::size_t i = 0; i < n; ++i) mr += reference[i], ml += live[i];
  mr /= n, ml /= n;
  double srr = 0, sll = 0, srl = 0, diff = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = reference[i] - mr, l = live[i] - ml, e = reference[i] - live[i];
    srr += r * r, sll += l * l, srl += r * l, diff += e * e;
  }
  if (srr < 1e-12 * n) return false;
  out.correlation = sll > 0 ? srl / std::sqrt(srr * sll) : 0;
  out.relative_rms = std::sqrt(diff / srr);
  return true;
}

std::vector<double> dimension(const std::vector<float>& codes, std::size_t dim, std::size_t d) {
  std::vector<double> v(codes.size() / dim);
  for (std::size_t f = 0; f < v.size(); ++f) v[f] = codes[f * dim + d];
  return v;
}

// Inner-lip distance (MediaPipe vertices 13, 14) over face height (10, 152) of the mesh deformed by
// each frame's code.
std::vector<double> mouth_opening(const asset::FaceMesh& mesh, const std::vector<float>& codes) {
  const std::size_t dim = mesh.expression_dim(), vertices = mesh.vertex_count();
  auto point = [&](const float* code, int v, int axis) {
    double p = mesh.vertices[v * 3 + axis];
    for (std::size_t k = 0; k < dim; ++k) p += code[k] * mesh.expression_basis[(k * vertices + v) * 3 + axis];
    return p;
  };
  auto distance = [&](const float* code, int a, int b) {
    double sum = 0;
    for (int axis = 0; axis < 3; ++axis) sum += std::pow(point(code, a, axis) - point(code, b, axis), 2);
    return std::sqrt(sum);
  };
  std::vector<double> opening(codes.size() / dim);
  for (std::size_t f = 0; f < opening.size(); ++f)
    opening[f] = distance(&codes[f * dim], 13, 14) / distance(&codes[f * dim], 10, 152);
  return opening;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Live codes at each look-ahead against the file form's codes of the same audio"};
  std::string avatar_path = BEING_TEST_AVATAR, audio_path;
  int fps = 60;
  std::vector<int> look_aheads;
  app.add_option("--audio", audio_path, "speech to drive the avatar with (any FFmpeg-readable file)")->required();
  app.add_option("--avatar", avatar_path, "the .avatar (default: the procedural test avatar)");
  app.add_option("--fps", fps, "output frame rate")->check(CLI::Range(1, 240));
  app.add_option("--look-ahead", look_aheads, "look-aheads in avatar frames (default: 0 .. the avatar's)");
  CLI11_PARSE(app, argc, argv);

  try {
    const asset::Avatar avatar = asset::read_avatar(avatar_path);
    audio::AudioDecoder decoder(audio_path, avatar.audio.sample_rate);
    std::vector<float> samples, chunk(4096);
    while (const std::size_t n = decoder.read(chunk.data(), chunk.size())) samples.insert(samples.end(), chunk.begin(), chunk.begin() + n);
    const std::vector<float> reference = animate::expression_codes(avatar, samples, fps);
    const std::size_t dim = avatar.face.expression_dim();
    const std::size_t frames = reference.size() / dim;
    const bool has_mouth = avatar.face.vertex_count() == 468;
    const std::vector<double> reference_mouth = has_mouth ? mouth_opening(avatar.face, reference) : std::vector<double>{};
    if (look_aheads.empty())
      for (int k = 0; k <= avatar.audio.context_after; ++k) look_aheads.push_back(k);

    std::printf("avatar %s (%zu codes, context_after %d frames at %g fps), audio %s (%.1f s), %zu frames at %d fps\n",
                avatar_path.c_str(), dim, avatar.audio.context_after, avatar.audio.video_fps, audio_path.c_str(),
                static_cast<double>(samples.size()) / avatar.audio.sample_rate, frames, fps);
    std::printf("look-ahead | audio waited | mean r | mean rel. RMS | mouth r | mouth rel. RMS\n");
    for (int k : look_aheads) {
      animate::LiveExpression live(avatar, {fps, k});
      // Pushed in 10 ms chunks as a capture would; frames past the end wait for audio that never comes.
      std::vector<float> codes;
      std::vector<float> code(dim);
      const std::size_t hop = static_cast<std::size_t>(avatar.audio.sample_rate / 100);
      for (std::size_t at = 0; at < samples.size(); at += hop) {
        live.push(samples.data() + at, std::min(hop, samples.size() - at));
        while (live.next(code.data())) codes.insert(codes.end(), code.begin(), code.end());
      }
      const std::size_t common = std::min(codes.size(), reference.size()) / dim;
      const std::vector<float> ref(reference.begin(), reference.begin() + common * dim);
      codes.resize(common * dim);
      double r_sum = 0, rms_sum = 0;
      int used = 0;
      for (std::size_t d = 0; d < dim; ++d) {
        Agreement a;
        if (!agreement(dimension(ref, dim, d), dimension(codes, dim, d), a)) continue;
        r_sum += a.correlation, rms_sum += a.relative_rms, ++used;
      }
      std::printf("%10d | %9.1f ms | %6.3f | %13.3f | ", k, live.look_ahead_seconds() * 1e3, used ? r_sum / used : 0.0,
                  used ? rms_sum / used : 0.0);
      Agreement mouth;
      const std::vector<double> head(reference_mouth.begin(), reference_mouth.begin() + (has_mouth ? common : 0));
      if (has_mouth && agreement(head, mouth_opening(avatar.face, codes), mouth))
        std::printf("%7.3f | %14.3f\n", mouth.correlation, mouth.relative_rms);
      else
        std::printf("%7s | %14s\n", "-", "-");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_live_codes: %s\n", e.what());
    return 1;
  }
  return 0;
}
