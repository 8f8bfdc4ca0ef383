#include "being/serve/protocol.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>

namespace being::serve {
namespace {

using nlohmann::json;

constexpr char kFrameMagic[4] = {'B', 'F', 'R', 'M'};
constexpr char kAudioMagic[4] = {'B', 'A', 'U', 'D'};
constexpr std::size_t kFrameFixedBytes = 44;
constexpr std::size_t kAudioHeaderBytes = 24;

// Explicit little-endian byte order, whatever the host's.
void put_u16(std::vector<std::uint8_t>& out, std::size_t at, std::uint32_t v) {
  out[at] = v & 0xff;
  out[at + 1] = (v >> 8) & 0xff;
}
void put_u32(std::vector<std::uint8_t>& out, std::size_t at, std::uint32_t v) {
  for (int b = 0; b < 4; ++b) out[at + b] = (v >> (8 * b)) & 0xff;
}
void put_i64(std::vector<std::uint8_t>& out, std::size_t at, int64_t value) {
  const auto v = static_cast<std::uint64_t>(value);
  for (int b = 0; b < 8; ++b) out[at + b] = (v >> (8 * b)) & 0xff;
}
void put_f32(std::vector<std::uint8_t>& out, std::size_t at, float value) {
  std::uint32_t v;
  std::memcpy(&v, &value, 4);
  put_u32(out, at, v);
}
std::uint32_t get_u16(const std::uint8_t* p) { return p[0] | (p[1] << 8); }
std::uint32_t get_u32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) | (std::uint32_t(p[3]) << 24);
}
int64_t get_i64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int b = 0; b < 8; ++b) v |= std::uint64_t(p[b]) << (8 * b);
  return static_cast<int64_t>(v);
}
float get_f32(const std::uint8_t* p) {
  const std::uint32_t v = get_u32(p);
  float f;
  std::memcpy(&f, &v, 4);
  return f;
}

int int_field(const json& m, const char* name, int fallback, int lo, int hi) {
  if (!m.contains(name)) return fallback;
  const json& v = m[name];
  if (!v.is_number_integer()) throw ProtocolError(std::string("\"") + name + "\" must be an integer");
  const auto x = v.get<int64_t>();
  if (x < lo || x > hi)
    throw ProtocolError(std::string("\"") + name + "\" must be in " + std::to_string(lo) + ".." + std::to_string(hi) +
                        " (got " + std::to_string(x) + ")");
  return static_cast<int>(x);
}

StartRequest parse_start(const json& m) {
  StartRequest r;
  if (m.contains("avatar")) {
    if (!m["avatar"].is_string()) throw ProtocolError("\"avatar\" must be a string");
    r.avatar = m["avatar"].get<std::string>();
  }
  r.sample_rate = int_field(m, "sample_rate", r.sample_rate, 8000, 192000);
  if (m.contains("format")) {
    const json& f = m["format"];
    if (f == "s16") r.format = SampleFormat::s16;
    else if (f == "f32") r.format = SampleFormat::f32;
    else throw ProtocolError("\"format\" must be \"s16\" or \"f32\"");
  }
  r.fps = int_field(m, "fps", r.fps, 1, 60);
  r.width = int_field(m, "width", 0, 16, 2048);
  r.height = int_field(m, "height", 0, 16, 2048);
  if (m.contains("frames")) {
    const json& f = m["frames"];
    if (f == "latest") r.latest_only = true;
    else if (f == "all") r.latest_only = false;
    else throw ProtocolError("\"frames\" must be \"all\" or \"latest\"");
  }
  if (m.contains("echo")) {
    if (!m["echo"].is_boolean()) throw ProtocolError("\"echo\" must be true or false");
    r.echo_audio = m["echo"].get<bool>();
  }
  r.jpeg_quality = int_field(m, "quality", r.jpeg_quality, 1, 100);
  return r;
}

}  // namespace

ClientMessage parse_client_message(const std::string& text) {
  const json m = json::parse(text, nullptr, false);
  if (m.is_discarded() || !m.is_object()) throw ProtocolError("a text message must be a JSON object");
  if (!m.contains("type") || !m["type"].is_string()) throw ProtocolError("a text message needs a string \"type\"");
  const std::string type = m["type"].get<std::string>();
  ClientMessage message;
  if (type == "start") {
    message.type = ClientMessage::Type::start;
    message.start = parse_start(m);
  } else if (type == "stop") {
    message.type = ClientMessage::Type::stop;
  } else if (type == "expression") {
    message.type = ClientMessage::Type::expression;
    if (!m.contains("weights") || !m["weights"].is_object())
      throw ProtocolError("\"expression\" needs an object \"weights\" of name: number or null");
    for (const auto& [name, value] : m["weights"].items()) {
      if (value.is_null()) {
        message.weights.emplace_back(name, std::nullopt);
      } else if (value.is_number() && std::isfinite(value.get<double>())) {
        message.weights.emplace_back(name, value.get<float>());
      } else {
        throw ProtocolError("expression weight \"" + name + "\" must be a finite number or null");
      }
    }
  } else {
    throw ProtocolError("unknown message type \"" + type + "\" (expected start, stop or expression)");
  }
  return message;
}

std::string start_message(const StartRequest& r) {
  json m = {{"type", "start"},
            {"sample_rate", r.sample_rate},
            {"format", r.format == SampleFormat::s16 ? "s16" : "f32"},
            {"fps", r.fps},
            {"frames", r.latest_only ? "latest" : "all"},
            {"echo", r.echo_audio},
            {"quality", r.jpeg_quality}};
  if (!r.avatar.empty()) m["avatar"] = r.avatar;
  if (r.width > 0) m["width"] = r.width;
  if (r.height > 0) m["height"] = r.height;
  return m.dump();
}

std::string expression_message(const ExpressionWeights& weights) {
  json w = json::object();
  for (const auto& [name, value] : weights) w[name] = value ? json(*value) : json(nullptr);
  return json{{"type", "expression"}, {"weights", w}}.dump();
}

void decode_audio(const std::uint8_t* data, std::size_t bytes, SampleFormat format, std::vector<float>& out) {
  const std::size_t size = format == SampleFormat::s16 ? 2 : 4;
  if (bytes % size != 0)
    throw ProtocolError("an audio message of " + std::to_string(bytes) + " bytes is not a whole number of " +
                        (format == SampleFormat::s16 ? "16-bit" : "32-bit float") + " samples");
  const std::size_t n = bytes / size, base = out.size();
  out.resize(base + n);
  for (std::size_t i = 0; i < n; ++i) {
    if (format == SampleFormat::s16) {
      const auto v = static_cast<std::int16_t>(get_u16(data + 2 * i));
      out[base + i] = static_cast<float>(v) / 32768.0f;
    } else {
      const float v = get_f32(data + 4 * i);
      if (!std::isfinite(v)) {
        out.resize(base);
        throw ProtocolError("audio sample " + std::to_string(i) + " is not a finite number");
      }
      out[base + i] = v;
    }
  }
}

std::vector<std::uint8_t> encode_frame(const FrameMessage& f) {
  const std::size_t header = kFrameFixedBytes + 4 * f.codes.size();
  std::vector<std::uint8_t> out(header + f.jpeg.size());
  std::memcpy(out.data(), kFrameMagic, 4);
  put_u32(out, 4, static_cast<std::uint32_t>(header));
  put_i64(out, 8, f.index);
  put_i64(out, 16, f.pts_samples);
  put_i64(out, 24, f.ready_samples);
  put_u16(out, 32, static_cast<std::uint32_t>(f.width));
  put_u16(out, 34, static_cast<std::uint32_t>(f.height));
  put_f32(out, 36, f.server_ms);
  put_u32(out, 40, static_cast<std::uint32_t>(f.codes.size()));
  for (std::size_t k = 0; k < f.codes.size(); ++k) put_f32(out, kFrameFixedBytes + 4 * k, f.codes[k]);
  if (!f.jpeg.empty()) std::memcpy(out.data() + header, f.jpeg.data(), f.jpeg.size());
  return out;
}

std::vector<std::uint8_t> encode_audio(int64_t first_sample, int sample_rate, SampleFormat format,
                                       const std::uint8_t* payload, std::size_t bytes) {
  std::vector<std::uint8_t> out(kAudioHeaderBytes + bytes);
  std::memcpy(out.data(), kAudioMagic, 4);
  put_u32(out, 4, kAudioHeaderBytes);
  put_i64(out, 8, first_sample);
  put_u32(out, 16, static_cast<std::uint32_t>(sample_rate));
  put_u32(out, 20, static_cast<std::uint32_t>(format));
  if (bytes) std::memcpy(out.data() + kAudioHeaderBytes, payload, bytes);
  return out;
}

ServerBinary decode_server_binary(const std::uint8_t* data, std::size_t bytes) {
  if (bytes < 8) throw ProtocolError("a binary message shorter than its header");
  const std::size_t header = get_u32(data + 4);
  if (header > bytes) throw ProtocolError("a binary message's header runs past its end");
  ServerBinary result;
  if (std::memcmp(data, kFrameMagic, 4) == 0) {
    if (header < kFrameFixedBytes) throw ProtocolError("a frame header shorter than 44 bytes");
    FrameMessage f;
    f.index = get_i64(data + 8);
    f.pts_samples = get_i64(data + 16);
    f.ready_samples = get_i64(data + 24);
    f.width = static_cast<int>(get_u16(data + 32));
    f.height = static_cast<int>(get_u16(data + 34));
    f.server_ms = get_f32(data + 36);
    const std::size_t codes = get_u32(data + 40);
    if (kFrameFixedBytes + 4 * codes != header) throw ProtocolError("a frame header whose code count does not match its size");
    for (std::size_t k = 0; k < codes; ++k) f.codes.push_back(get_f32(data + kFrameFixedBytes + 4 * k));
    f.jpeg.assign(data + header, data + bytes);
    result.frame = std::move(f);
  } else if (std::memcmp(data, kAudioMagic, 4) == 0) {
    if (header != kAudioHeaderBytes) throw ProtocolError("an audio header that is not 24 bytes");
    AudioMessage a;
    a.first_sample = get_i64(data + 8);
    a.sample_rate = static_cast<int>(get_u32(data + 16));
    const std::uint32_t format = get_u32(data + 20);
    if (format > 1) throw ProtocolError("an audio message with an unknown sample format");
    a.format = static_cast<SampleFormat>(format);
    a.payload.assign(data + header, data + bytes);
    result.audio = std::move(a);
  } else {
    throw ProtocolError("a binary message that is neither a frame (BFRM) nor audio (BAUD)");
  }
  return result;
}

}  // namespace being::serve
