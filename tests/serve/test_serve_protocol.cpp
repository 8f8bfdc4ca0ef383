// The streaming protocol's messages (docs/streaming-protocol.md): control messages parsed or refused
// with a reason, binary frames and audio round-tripped byte for byte, audio payloads decoded, JPEG
// frames that decode to what was encoded, and the metrics' percentiles.
#include "being/serve/jpeg.h"
#include "being/serve/metrics.h"
#include "being/serve/protocol.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace {

using namespace being::serve;

TEST(ServeProtocol, StartMessageRoundTripsEveryField) {
  StartRequest r;
  r.avatar = "obama";
  r.sample_rate = 48000;
  r.format = SampleFormat::s16;
  r.fps = 30;
  r.width = 320;
  r.height = 240;
  r.latest_only = true;
  r.echo_audio = false;
  r.jpeg_quality = 65;
  const ClientMessage m = parse_client_message(start_message(r));
  ASSERT_EQ(m.type, ClientMessage::Type::start);
  EXPECT_EQ(m.start.avatar, "obama");
  EXPECT_EQ(m.start.sample_rate, 48000);
  EXPECT_EQ(m.start.format, SampleFormat::s16);
  EXPECT_EQ(m.start.fps, 30);
  EXPECT_EQ(m.start.width, 320);
  EXPECT_EQ(m.start.height, 240);
  EXPECT_TRUE(m.start.latest_only);
  EXPECT_FALSE(m.start.echo_audio);
  EXPECT_EQ(m.start.jpeg_quality, 65);
}

TEST(ServeProtocol, DefaultsStopAndExpressionWeights) {
  const ClientMessage start = parse_client_message(R"({"type":"start"})");
  EXPECT_EQ(start.start.sample_rate, 16000);
  EXPECT_EQ(start.start.format, SampleFormat::f32);
  EXPECT_EQ(start.start.fps, 25);
  EXPECT_FALSE(start.start.latest_only);
  EXPECT_TRUE(start.start.echo_audio);
  EXPECT_EQ(parse_client_message(R"({"type":"stop"})").type, ClientMessage::Type::stop);
  const ClientMessage e = parse_client_message(expression_message({{"jawOpen", 0.5f}, {"smile", std::nullopt}}));
  ASSERT_EQ(e.type, ClientMessage::Type::expression);
  ASSERT_EQ(e.weights.size(), 2u);
  for (const auto& [name, value] : e.weights) {
    if (name == "jawOpen") EXPECT_EQ(value, 0.5f);
    else EXPECT_EQ(value, std::nullopt) << name;
  }
}

TEST(ServeProtocol, MalformedControlMessagesAreRefusedWithTheReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"not json", "JSON object"},
      {"[1,2]", "JSON object"},
      {R"({"kind":"start"})", "\"type\""},
      {R"({"type":"dance"})", "unknown message type \"dance\""},
      {R"({"type":"start","sample_rate":100})", "\"sample_rate\" must be in 8000..192000"},
      {R"({"type":"start","sample_rate":"fast"})", "\"sample_rate\" must be an integer"},
      {R"({"type":"start","format":"u8"})", "\"format\""},
      {R"({"type":"start","fps":0})", "\"fps\""},
      {R"({"type":"start","width":8})", "\"width\""},
      {R"({"type":"start","frames":"some"})", "\"frames\""},
      {R"({"type":"start","echo":1})", "\"echo\""},
      {R"({"type":"start","quality":101})", "\"quality\""},
      {R"({"type":"expression"})", "\"weights\""},
      {R"({"type":"expression","weights":{"jawOpen":"wide"}})", "\"jawOpen\""},
  };
  for (const auto& [text, reason] : cases) {
    try {
      parse_client_message(text);
      ADD_FAILURE() << "accepted " << text;
    } catch (const ProtocolError& e) {
      EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << text << ": " << e.what();
    }
  }
}

TEST(ServeProtocol, AudioPayloadsDecodeAndPartialSamplesAreRefused) {
  const std::int16_t ints[] = {0, 16384, -32768, 32767};
  std::vector<std::uint8_t> bytes(sizeof ints);
  std::memcpy(bytes.data(), ints, sizeof ints);
  std::vector<float> out = {9.0f};
  decode_audio(bytes.data(), bytes.size(), SampleFormat::s16, out);
  EXPECT_EQ(out, (std::vector<float>{9.0f, 0.0f, 0.5f, -1.0f, 32767.0f / 32768.0f}));
  const float floats[] = {0.25f, -0.75f};
  out.clear();
  decode_audio(reinterpret_cast<const std::uint8_t*>(floats), sizeof floats, SampleFormat::f32, out);
  EXPECT_EQ(out, (std::vector<float>{0.25f, -0.75f}));
  EXPECT_THROW(decode_audio(bytes.data(), 3, SampleFormat::s16, out), ProtocolError);
  EXPECT_THROW(decode_audio(bytes.data(), 6, SampleFormat::f32, out), ProtocolError);
  const float bad[] = {0.0f, std::numeric_limits<float>::quiet_NaN()};
  out.clear();
  EXPECT_THROW(decode_audio(reinterpret_cast<const std::uint8_t*>(bad), sizeof bad, SampleFormat::f32, out), ProtocolError);
  EXPECT_TRUE(out.empty());
}

TEST(ServeProtocol, FrameAndAudioMessagesRoundTrip) {
  FrameMessage f;
  f.index = 1234567890123;
  f.pts_samples = -5;
  f.ready_samples = 48000;
  f.width = 640;
  f.height = 480;
  f.server_ms = 12.5f;
  f.codes = {0.1f, -2.0f, 3.5f};
  f.jpeg = {0xFF, 0xD8, 0x00, 0xFF, 0xD9};
  const auto bytes = encode_frame(f);
  ASSERT_EQ(bytes.size(), 44u + 12u + 5u);
  EXPECT_EQ(std::memcmp(bytes.data(), "BFRM", 4), 0);
  const auto back = decode_server_binary(bytes.data(), bytes.size());
  ASSERT_TRUE(back.frame);
  EXPECT_FALSE(back.audio);
  EXPECT_EQ(back.frame->index, f.index);
  EXPECT_EQ(back.frame->pts_samples, f.pts_samples);
  EXPECT_EQ(back.frame->ready_samples, f.ready_samples);
  EXPECT_EQ(back.frame->width, 640);
  EXPECT_EQ(back.frame->height, 480);
  EXPECT_EQ(back.frame->server_ms, 12.5f);
  EXPECT_EQ(back.frame->codes, f.codes);
  EXPECT_EQ(back.frame->jpeg, f.jpeg);

  const std::uint8_t payload[] = {1, 2, 3, 4, 5, 6};
  const auto audio = encode_audio(96000, 48000, SampleFormat::s16, payload, sizeof payload);
  const auto a = decode_server_binary(audio.data(), audio.size());
  ASSERT_TRUE(a.audio);
  EXPECT_EQ(a.audio->first_sample, 96000);
  EXPECT_EQ(a.audio->sample_rate, 48000);
  EXPECT_EQ(a.audio->format, SampleFormat::s16);
  EXPECT_EQ(a.audio->payload, std::vector<std::uint8_t>(payload, payload + 6));

  auto truncated = bytes;
  truncated.resize(30);
  EXPECT_THROW(decode_server_binary(truncated.data(), truncated.size()), ProtocolError);
  auto unknown = bytes;
  unknown[0] = 'X';
  EXPECT_THROW(decode_server_binary(unknown.data(), unknown.size()), ProtocolError);
}

TEST(ServeJpeg, DecodesToTheEncodedImage) {
  const int w = 48, h = 32;
  std::vector<std::uint8_t> rgb(w * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      rgb[(y * w + x) * 3 + 0] = static_cast<std::uint8_t>(x * 5);
      rgb[(y * w + x) * 3 + 1] = static_cast<std::uint8_t>(y * 7);
      rgb[(y * w + x) * 3 + 2] = 128;
    }
  const auto jpeg = encode_jpeg(rgb.data(), w, h, 95);
  int dw = 0, dh = 0, channels = 0;
  unsigned char* back = stbi_load_from_memory(jpeg.data(), static_cast<int>(jpeg.size()), &dw, &dh, &channels, 3);
  ASSERT_NE(back, nullptr);
  ASSERT_EQ(dw, w);
  ASSERT_EQ(dh, h);
  double error = 0;
  for (std::size_t i = 0; i < rgb.size(); ++i) error += std::abs(int(back[i]) - int(rgb[i]));
  stbi_image_free(back);
  EXPECT_LT(error / rgb.size(), 3.0);
  EXPECT_THROW(encode_jpeg(rgb.data(), 0, h, 90), std::invalid_argument);
  EXPECT_THROW(encode_jpeg(rgb.data(), w, h, 0), std::invalid_argument);
}

TEST(ServeMetrics, PercentilesInterpolateBetweenRanks) {
  EXPECT_EQ(percentile({}, 50), 0);
  EXPECT_EQ(percentile({7}, 99), 7);
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4, 5}, 90), 4.6);
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4, 5}, 100), 5);
}

TEST(ServeMetrics, CountsSessionsFramesAndLatency) {
  Metrics m;
  m.session_opened();
  m.session_opened();
  m.session_closed();
  m.session_rejected();
  m.protocol_error();
  m.audio_received(100);
  for (int i = 1; i <= 100; ++i) m.frame_sent(i, 10);
  const auto j = nlohmann::json::parse(m.json());
  EXPECT_EQ(j["sessions"]["active"], 1);
  EXPECT_EQ(j["sessions"]["total"], 2);
  EXPECT_EQ(j["sessions"]["rejected"], 1);
  EXPECT_EQ(j["sessions"]["protocol_errors"], 1);
  EXPECT_EQ(j["frames"]["total"], 100);
  EXPECT_DOUBLE_EQ(j["latency_ms"]["p50"].get<double>(), 50.5);
  EXPECT_DOUBLE_EQ(j["latency_ms"]["max"].get<double>(), 100);
  EXPECT_EQ(j["bytes"]["in"], 100);
  EXPECT_EQ(j["bytes"]["out"], 1000);
}

}  // namespace
