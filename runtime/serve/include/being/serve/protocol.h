// The messages of `being serve`'s WebSocket protocol (docs/streaming-protocol.md), shared by the
// server, the C++ test client and the benchmark. Text messages are JSON control messages; binary
// messages are audio (client -> server) and frames or echoed audio (server -> client), little-endian.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace being::serve {

// A message that breaks the protocol; the text says what was wrong, for the client to read.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class SampleFormat : std::uint32_t { s16 = 0, f32 = 1 };

// {"type":"start", ...}: opens the stream. Every field is optional.
struct StartRequest {
  std::string avatar;            // the avatar's name (file stem); empty: the first one served
  int sample_rate = 16000;       // of the audio the client sends, 8000..192000 Hz
  SampleFormat format = SampleFormat::f32;
  int fps = 25;                  // 1..60; frame i shows audio time i / fps
  int width = 0, height = 0;     // 16..2048; 0: the server's size
  bool latest_only = false;      // "frames": "latest" skips to the newest ready frame; "all" renders each
  bool echo_audio = true;        // send the received audio back for synchronised playback
  int jpeg_quality = 80;         // 1..100
};

// {"type":"expression","weights":{"jawOpen":0.7,"smile":null}}: pins named expression values; null
// releases one back to the audio.
using ExpressionWeights = std::vector<std::pair<std::string, std::optional<float>>>;

struct ClientMessage {
  enum class Type { start, stop, expression } type = Type::start;
  StartRequest start;
  ExpressionWeights weights;
};

// Parses a text message; throws ProtocolError on malformed JSON, an unknown type or a bad field.
ClientMessage parse_client_message(const std::string& text);
// The JSON a client sends for these messages (used by the C++ client; the page writes its own).
std::string start_message(const StartRequest& request);
std::string expression_message(const ExpressionWeights& weights);

// Appends the samples of a binary audio message as floats; throws ProtocolError when the byte count
// is not a whole number of samples or a float sample is not finite.
void decode_audio(const std::uint8_t* data, std::size_t bytes, SampleFormat format, std::vector<float>& out);

// One rendered frame (binary, magic "BFRM").
struct FrameMessage {
  int64_t index = 0;          // frame number in the stream
  int64_t pts_samples = 0;    // its time on the client's audio clock: floor(index * sample_rate / fps)
  int64_t ready_samples = 0;  // client samples received when the frame could be computed
  int width = 0, height = 0;
  float server_ms = 0;        // audio that made it ready received -> frame encoded, in the server
  std::vector<float> codes;   // the expression code shown
  std::vector<std::uint8_t> jpeg;
};

// Echoed audio (binary, magic "BAUD"): the client's own samples, unchanged.
struct AudioMessage {
  int64_t first_sample = 0;   // index of the first sample on the client's clock
  int sample_rate = 0;
  SampleFormat format = SampleFormat::f32;
  std::vector<std::uint8_t> payload;
};

std::vector<std::uint8_t> encode_frame(const FrameMessage& frame);
std::vector<std::uint8_t> encode_audio(int64_t first_sample, int sample_rate, SampleFormat format,
                                       const std::uint8_t* payload, std::size_t bytes);

// A server -> client binary message, decoded; throws ProtocolError when it is neither kind.
struct ServerBinary {
  std::optional<FrameMessage> frame;
  std::optional<AudioMessage> audio;
};
ServerBinary decode_server_binary(const std::uint8_t* data, std::size_t bytes);

}  // namespace being::serve
