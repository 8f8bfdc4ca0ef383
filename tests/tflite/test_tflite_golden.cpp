// The executor against MediaPipe's own golden tensors (landmarks, blendshapes) and the detector and
// segmentation models on a real video frame.
#include <torch/torch.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "being/models/model_store.h"
#include "being/tflite/graph.h"
#include "being_test.h"
#include "video_frame.h"

namespace {

using being::tflite::Graph;

std::vector<float> read_floats(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> out(bytes.size() / sizeof(float));
  std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
  return out;
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The values of every `key: number` line of a protobuf text file, in order.
std::vector<float> prototxt_values(const std::string& text, const std::string& key) {
  std::vector<float> out;
  const std::regex line("\\b" + key + ": ([-+0-9.eE]+)");
  for (std::sregex_iterator it(text.begin(), text.end(), line), end; it != end; ++it) {
    out.push_back(std::stof((*it)[1].str()));
  }
  return out;
}

Graph load_graph(const std::string& model) { return Graph::load(being::models::require(model), torch::kCPU); }

// Runs the landmark model on MediaPipe's golden input on `device` and checks it against their output.
void expect_landmarks_match_mediapipe(const c10::Device& device) {
  const Graph graph = Graph::load(being::models::require("mediapipe_face/face_landmarks_detector.tflite"), device);
  const auto input = read_floats(being::models::require("testdata/face_landmark_tflite_input_tensor0.bin"));
  const auto ref_landmarks =
      read_floats(being::models::require("testdata/face_landmark_tflite_mldrift_opengl_output_tensor0.bin"));
  const auto ref_presence =
      read_floats(being::models::require("testdata/face_landmark_tflite_mldrift_opengl_output_tensor1.bin"));
  ASSERT_EQ(input.size(), 256u * 256u * 3u);
  ASSERT_EQ(ref_landmarks.size(), 1434u);
  ASSERT_EQ(ref_presence.size(), 1u);

  const auto x = torch::from_blob(const_cast<float*>(input.data()), {1, 256, 256, 3}).clone().to(device);
  auto out = graph.run({x});
  ASSERT_EQ(out.size(), 3u);
  for (auto& o : out) o = o.cpu();
  ASSERT_EQ(out[0].sizes(), (std::vector<int64_t>{1, 1, 1, 1434}));
  const auto ours = out[0].reshape({478, 3});
  const auto ref = torch::from_blob(const_cast<float*>(ref_landmarks.data()), {478, 3});
  const auto px = (ours.slice(1, 0, 2) - ref.slice(1, 0, 2)).norm(2, 1);
  const double mean_px = px.mean().item<double>(), max_px = px.max().item<double>();
  const auto coord = (ours - ref).abs();
  std::printf("landmarks vs MediaPipe on %s: xy distance mean %.4f px, max %.4f px; per coordinate (x,y,z) mean %.4f, "
              "max %.4f; presence logit %.4f vs %.4f\n",
              device.str().c_str(), mean_px, max_px, coord.mean().item<double>(), coord.max().item<double>(),
              out[1].item<double>(), static_cast<double>(ref_presence[0]));
  EXPECT_LT(mean_px, 0.5);
  EXPECT_LT(max_px, 2.0);
  EXPECT_NEAR(out[1].item<double>(), ref_presence[0], 0.05);
  // The landmarks lie inside the crop: a smoke check that the scale (crop pixels) is right.
  EXPECT_GT(ours.slice(1, 0, 2).min().item<double>(), 0.0);
  EXPECT_LT(ours.slice(1, 0, 2).max().item<double>(), 256.0);
}

TEST(TfliteGolden, LandmarksMatchMediaPipe) { expect_landmarks_match_mediapipe(torch::kCPU); }

TEST(TfliteGolden, LandmarksBatchEqualsSingle) {
  const Graph graph = load_graph("mediapipe_face/face_landmarks_detector.tflite");
  EXPECT_TRUE(graph.batches_in_one_pass());
  const auto input = read_floats(being::models::require("testdata/face_landmark_tflite_input_tensor0.bin"));
  const auto x = torch::from_blob(const_cast<float*>(input.data()), {1, 256, 256, 3}).clone();
  const auto batch = torch::cat({x, x.flip(2), x * 0.8}, 0);
  const auto out = graph.run({batch});
  ASSERT_EQ(out[0].size(0), 3);
  for (int64_t b = 0; b < 3; ++b) {
    const auto single = graph.run({batch.slice(0, b, b + 1)});
    for (std::size_t o = 0; o < out.size(); ++o) {
      EXPECT_LT((out[o].slice(0, b, b + 1) - single[o]).abs().max().item<double>(), 1e-3) << "sample " << b;
    }
  }
}

// On the GPU machine: every model gives the same outputs on CUDA as on the CPU. cuDNN and cuBLAS
// may use TF32 (a 10-bit mantissa) for float32 work, which over the hair model's 30-odd layers
// moves logits by several percent; with TF32 off the kernels must agree closely, which is what
// catches a layout or padding mistake.
TEST(TfliteGolden, CudaMatchesCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  auto& context = at::globalContext();
  const bool cudnn_tf32 = context.allowTF32CuDNN(), cublas_tf32 = context.allowTF32CuBLAS();
  context.setAllowTF32CuDNN(false);
  context.setAllowTF32CuBLAS(false);
  const std::vector<std::pair<std::string, std::vector<int64_t>>> models = {
      {"mediapipe_face/face_detector.tflite", {2, 128, 128, 3}},
      {"mediapipe_face/face_landmarks_detector.tflite", {2, 256, 256, 3}},
      {"mediapipe_face/face_blendshapes.tflite", {2, 146, 2}},
      {"mediapipe_segmentation/selfie_segmentation.tflite", {2, 256, 256, 3}},
      {"mediapipe_segmentation/hair_segmentation.tflite", {2, 512, 512, 4}}};
  torch::manual_seed(3);
  for (const auto& [name, shape] : models) {
    const auto x = torch::rand(shape) * (name.find("blendshapes") != std::string::npos ? 500.0f : 1.0f);
    const auto cpu = load_graph(name).run({x});
    const auto cuda = Graph::load(being::models::require(name), torch::kCUDA).run({x.to(torch::kCUDA)});
    ASSERT_EQ(cpu.size(), cuda.size()) << name;
    for (std::size_t o = 0; o < cpu.size(); ++o) {
      ASSERT_TRUE(cuda[o].is_cuda()) << name;
      const double scale = std::max(1.0, cpu[o].abs().max().item<double>());
      EXPECT_LT((cuda[o].cpu() - cpu[o]).abs().max().item<double>() / scale, 1e-3) << name << " output " << o;
    }
  }
  context.setAllowTF32CuDNN(cudnn_tf32);
  context.setAllowTF32CuBLAS(cublas_tf32);
}

// With PyTorch's default TF32 settings (what bake analyze runs with on the GPU), the landmarks still
// meet MediaPipe's golden output.
TEST(TfliteGolden, LandmarksMatchMediaPipeOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  expect_landmarks_match_mediapipe(torch::kCUDA);
}

// The 146-landmark blendshape input from MediaPipe's golden landmarks, in image pixels.
torch::Tensor blendshape_input() {
  const auto text = read_text(being::models::require("testdata/face_blendshapes_in_landmarks.prototxt"));
  const auto xs = prototxt_values(text, "x"), ys = prototxt_values(text, "y");
  EXPECT_EQ(xs.size(), 478u);
  EXPECT_EQ(ys.size(), 478u);
  const auto io = nlohmann::json::parse(read_text(being::models::require("mediapipe_face_geometry/face_blendshapes_io.json")));
  const auto subset = io.at("landmarks_subset_idxs").get<std::vector<int>>();
  EXPECT_EQ(subset.size(), 146u);
  auto input = torch::zeros({1, 146, 2});
  for (std::size_t i = 0; i < subset.size(); ++i) {
    input[0][i][0] = xs.at(subset[i]) * 820.0f;
    input[0][i][1] = ys.at(subset[i]) * 1024.0f;
  }
  return input;
}

TEST(TfliteGolden, BlendshapesMatchMediaPipe) {
  const Graph graph = load_graph("mediapipe_face/face_blendshapes.tflite");
  const auto ref = prototxt_values(read_text(being::models::require("testdata/face_blendshapes_out.prototxt")), "score");
  ASSERT_EQ(ref.size(), 52u);
  const auto out = graph.run({blendshape_input()});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].numel(), 52);
  const auto diff = (out[0].reshape({52}) - torch::tensor(ref)).abs();
  std::printf("blendshapes vs MediaPipe: max abs error %.3g\n", diff.max().item<double>());
  EXPECT_LT(diff.max().item<double>(), 1e-4);
}

TEST(TfliteGolden, BlendshapesBatchRunsSampleBySample) {
  const Graph graph = load_graph("mediapipe_face/face_blendshapes.tflite");
  // The model slices its batch away (output [52]), so a batch runs one sample at a time.
  EXPECT_FALSE(graph.batches_in_one_pass());
  const auto x = blendshape_input();
  const auto moved = x + torch::tensor({5.0f, -3.0f});  // translation-invariant: same scores
  const auto opened = x * torch::tensor({1.0f, 1.1f});
  const auto out = graph.run({torch::cat({x, moved, opened}, 0)});
  ASSERT_EQ(out[0].sizes(), (std::vector<int64_t>{3, 52}));
  const auto single = graph.run({x})[0];
  EXPECT_LT((out[0][0] - single).abs().max().item<double>(), 1e-6);
  EXPECT_LT((out[0][1] - single).abs().max().item<double>(), 1e-3);
  EXPECT_GT((out[0][2] - single).abs().max().item<double>(), 1e-3);
}

// Resize an NHWC image with torch (bilinear).
torch::Tensor resize(const torch::Tensor& nhwc, int64_t h, int64_t w) {
  namespace F = torch::nn::functional;
  return F::interpolate(nhwc.permute({0, 3, 1, 2}),
                        F::InterpolateFuncOptions().size(std::vector<int64_t>{h, w}).mode(torch::kBilinear).align_corners(false))
      .permute({0, 2, 3, 1})
      .contiguous();
}

class TfliteRealFrame : public ::testing::Test {
 protected:
  void SetUp() override {
    BEING_REQUIRE_SHARED(being::test::shared_path("data/videos/may_5s.mp4"));
    frame_ = being::test::video_frame_rgb("may_5s.mp4", 1.0, 512, 512);
    ASSERT_TRUE(frame_.defined()) << "could not decode a frame with the ffmpeg CLI";
  }
  torch::Tensor frame_;
};

TEST_F(TfliteRealFrame, DetectorFindsTheFace) {
  const Graph graph = load_graph("mediapipe_face/face_detector.tflite");
  const auto input = resize(frame_, 128, 128) * 2.0f - 1.0f;
  const auto out = graph.run({input});
  ASSERT_EQ(out.size(), 2u);
  ASSERT_EQ(out[0].sizes(), (std::vector<int64_t>{1, 896, 16}));
  ASSERT_EQ(out[1].sizes(), (std::vector<int64_t>{1, 896, 1}));
  const auto scores = torch::sigmoid(out[1].reshape({896}));
  const double best = scores.max().item<double>();
  const int64_t anchor = scores.argmax().item<int64_t>();
  std::printf("detector: best score %.3f at anchor %lld\n", best, static_cast<long long>(anchor));
  EXPECT_GT(best, 0.75);
  // Anchor centre: the first 512 anchors are 16x16 cells x 2 (stride 8), the rest 8x8 x 6 (stride 16).
  const double cx = anchor < 512 ? ((anchor / 2) % 16 + 0.5) / 16.0 : (((anchor - 512) / 6) % 8 + 0.5) / 8.0;
  const double cy = anchor < 512 ? ((anchor / 2) / 16 + 0.5) / 16.0 : (((anchor - 512) / 6) / 8 + 0.5) / 8.0;
  const double box_cx = cx + out[0][0][anchor][0].item<double>() / 128.0;
  const double box_cy = cy + out[0][0][anchor][1].item<double>() / 128.0;
  const double box_w = out[0][0][anchor][2].item<double>() / 128.0;
  std::printf("detector: face box centre (%.3f, %.3f), width %.3f of the frame\n", box_cx, box_cy, box_w);
  // A talking-head video: the face is in the central part of the frame and reasonably large.
  EXPECT_GT(box_cx, 0.2);
  EXPECT_LT(box_cx, 0.8);
  EXPECT_GT(box_cy, 0.1);
  EXPECT_LT(box_cy, 0.8);
  EXPECT_GT(box_w, 0.1);
  EXPECT_LT(box_w, 0.9);
  // Few anchors fire away from the face: a noise image scores low everywhere.
  const auto noise = graph.run({torch::rand({1, 128, 128, 3}) * 2.0f - 1.0f});
  EXPECT_LT(torch::sigmoid(noise[1]).max().item<double>(), best);
}

TEST_F(TfliteRealFrame, SelfieMaskCoversTheCentre) {
  const Graph graph = load_graph("mediapipe_segmentation/selfie_segmentation.tflite");
  const auto out = graph.run({resize(frame_, 256, 256)});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].sizes(), (std::vector<int64_t>{1, 256, 256, 1}));
  const auto mask = out[0].reshape({256, 256});
  EXPECT_GE(mask.min().item<double>(), 0.0);
  EXPECT_LE(mask.max().item<double>(), 1.0);
  const double centre = mask.slice(0, 96, 160).slice(1, 96, 160).mean().item<double>();
  const double corners = (mask.slice(0, 0, 24).slice(1, 0, 24).mean() + mask.slice(0, 0, 24).slice(1, 232, 256).mean())
                             .item<double>() / 2.0;
  std::printf("selfie: centre %.3f, top corners %.3f\n", centre, corners);
  EXPECT_GT(centre, 0.9);
  EXPECT_LT(corners, 0.3);
}

TEST_F(TfliteRealFrame, HairMaskIsAboveTheFace) {
  const Graph graph = load_graph("mediapipe_segmentation/hair_segmentation.tflite");
  const auto input = torch::cat({frame_, torch::zeros({1, 512, 512, 1})}, 3);
  const auto out = graph.run({input});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].sizes(), (std::vector<int64_t>{1, 512, 512, 2}));
  const auto hair = torch::softmax(out[0].reshape({512, 512, 2}), 2).select(2, 1) > 0.5;
  const double fraction = hair.to(torch::kFloat).mean().item<double>();
  const auto rows = torch::nonzero(hair.any(1)).reshape({-1});
  ASSERT_GT(rows.numel(), 0) << "empty hair mask";
  const double top = rows.min().item<double>() / 512.0;
  const double mean_row = (torch::nonzero(hair).select(1, 0).to(torch::kFloat).mean() / 512.0).item<double>();
  std::printf("hair: %.3f of the frame, top row %.3f, mean row %.3f\n", fraction, top, mean_row);
  EXPECT_GT(fraction, 0.01);
  EXPECT_LT(fraction, 0.6);
  EXPECT_LT(mean_row, 0.6);  // hair sits in the upper part of a talking-head frame
}

}  // namespace
