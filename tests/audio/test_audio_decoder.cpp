#include "being/audio/decoder.h"

#include "being_test.h"
#include "media_tools.h"

#include <cmath>
#include <cstdlib>
#include <fstream>

namespace fs = std::filesystem;
using namespace being::audio;

namespace {

using being::test::make_with_ffmpeg;

std::string error_of(const fs::path& path) {
  try {
    decode_audio_file(path.string());
  } catch (const AudioError& e) {
    return e.what();
  }
  return "";
}

// Frequency from upward zero crossings over the middle of the signal.
double frequency(const std::vector<float>& s, int rate) {
  int crossings = 0;
  const std::size_t begin = s.size() / 4, end = 3 * s.size() / 4;
  for (std::size_t i = begin + 1; i < end; ++i)
    if (s[i - 1] < 0.0f && s[i] >= 0.0f) ++crossings;
  return crossings * static_cast<double>(rate) / (end - begin);
}

double rms(const std::vector<float>& s) {
  double sum = 0;
  for (float v : s) sum += v * v;
  return std::sqrt(sum / s.size());
}

}  // namespace

// 8 kHz, 48 kHz stereo, float and 24-bit inputs all become 16 kHz mono with the same tone.
TEST(AudioDecoder, ResamplesAndDownmixesAnyInput) {
  auto dir = being::test::scratch_dir("audio_decoder_formats");
  const std::string tone = "-f lavfi -i sine=frequency=440:sample_rate=";
  struct Case { std::string name, args; };
  const Case cases[] = {
      {"8k_s16.wav", tone + "8000:duration=2"},
      {"48k_stereo_s24.wav", tone + "48000:duration=2 -ac 2 -c:a pcm_s24le"},
      {"44k_float.wav", tone + "44100:duration=2 -c:a pcm_f32le"},
      {"48k_stereo.m4a", tone + "48000:duration=2 -ac 2 -c:a aac"},
      {"22k.flac", tone + "22050:duration=2"},
  };
  for (const auto& c : cases) {
    auto file = make_with_ffmpeg(dir / c.name, c.args);
    AudioDecoder decoder(file.string());
    EXPECT_EQ(decoder.sample_rate(), 16000);
    auto s = decode_audio_file(file.string());
    EXPECT_NEAR(static_cast<double>(s.size()), 32000.0, 16000 * 0.05) << c.name;  // codec padding
    EXPECT_NEAR(frequency(s, 16000), 440.0, 5.0) << c.name;
    EXPECT_NEAR(rms(s), 0.125 / std::sqrt(2.0), 0.03) << c.name;  // lavfi sine: amplitude 1/8
  }
}

TEST(AudioDecoder, ChunkedReadsEqualWholeFileDecoding) {
  auto file = being::test::shared_path("data/audio/en_male_jfk_11s.flac");
  BEING_REQUIRE_SHARED(file);
  auto whole = decode_audio_file(file.string());
  AudioDecoder decoder(file.string());
  EXPECT_EQ(decoder.source().sample_rate, 44100);
  EXPECT_EQ(decoder.source().channels, 2);
  EXPECT_EQ(decoder.source().codec, "flac");
  std::vector<float> chunked, chunk(1000);
  while (std::size_t n = decoder.read(chunk.data(), chunk.size())) chunked.insert(chunked.end(), chunk.begin(), chunk.begin() + n);
  EXPECT_EQ(chunked, whole);
  EXPECT_NEAR(whole.size() / 16000.0, 11.0, 0.05);
}

TEST(AudioDecoder, SharedSpeechFilesDecodeToTheirDuration) {
  struct Case { const char* file; double seconds; };
  for (const Case& c : {Case{"data/audio/en_female_librispeech.flac", 15.0}, Case{"data/audio/en_male_librispeech.mp3", 5.08},
                        Case{"data/audio/en_female_vctk.mp3", 4.99}, Case{"data/audio/ja_male.wav", 9.09},
                        Case{"data/audio/es_male.wav", 4.51}}) {
    auto file = being::test::shared_path(c.file);
    BEING_REQUIRE_SHARED(file);
    auto s = decode_audio_file(file.string());
    EXPECT_NEAR(s.size() / 16000.0, c.seconds, 0.1) << c.file;
    EXPECT_GT(rms(s), 0.01) << c.file << " decoded to near silence";
  }
}

TEST(AudioDecoder, ErrorsSayWhatIsWrong) {
  auto dir = being::test::scratch_dir("audio_decoder_errors");
  EXPECT_NE(error_of(dir / "absent.wav").find("no such file"), std::string::npos);
  EXPECT_NE(error_of(dir).find("is a directory"), std::string::npos);

  std::ofstream(dir / "text.wav") << "this is not audio, just some words in a file\n";
  EXPECT_NE(error_of(dir / "text.wav").find("not a media file"), std::string::npos) << error_of(dir / "text.wav");

  std::ofstream(dir / "empty.mp3");
  EXPECT_NE(error_of(dir / "empty.mp3"), "");

  auto video = being::test::shared_path("data/videos/franck_noaudio_200s.mp4");
  BEING_REQUIRE_SHARED(video);
  EXPECT_NE(error_of(video).find("has no audio stream"), std::string::npos) << error_of(video);
}

TEST(AudioDecoder, TruncatedFileDecodesWhatIsThereWithoutCrashing) {
  auto dir = being::test::scratch_dir("audio_decoder_truncated");
  auto file = make_with_ffmpeg(dir / "full.flac", "-f lavfi -i sine=frequency=300:sample_rate=16000:duration=4");
  std::ifstream in(file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::ofstream(dir / "half.flac", std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  std::vector<float> s;
  try {
    s = decode_audio_file((dir / "half.flac").string());
  } catch (const AudioError&) {
    return;  // an error is also a correct answer for a damaged file
  }
  EXPECT_GT(s.size(), 16000u);
  EXPECT_LT(s.size(), 64000u);
}

TEST(AudioDecoder, ReportsWhenTheAudioStartsRelativeToTheContainer) {
  auto dir = being::test::scratch_dir("audio_decoder_start");
  // When the tone is heard on the video's clock: the stream's start plus the first loud sample.
  const auto onset_of = [](const std::filesystem::path& file, double* start_s) {
    const auto samples = decode_audio_file(file.string());
    AudioDecoder decoder(file.string());
    float first = 0;
    EXPECT_EQ(decoder.read(&first, 1), 1u);
    *start_s = decoder.source().start_s;
    std::size_t k = 0;
    while (k < samples.size() && std::abs(samples[k]) < 0.1f) ++k;
    return *start_s + static_cast<double>(k) / 16000.0;
  };
  double start = -1;
  auto plain = make_with_ffmpeg(dir / "plain.wav", "-f lavfi -i sine=frequency=300:sample_rate=16000:duration=1");
  EXPECT_NEAR(onset_of(plain, &start), 0.0, 0.002);
  EXPECT_EQ(start, 0.0);
  // The sound starts 0.5 s after the pictures, as a muxer writes a late audio track. The AAC
  // encoder's priming frame (64 ms of near silence) comes before it and is decoded as samples.
  auto late = make_with_ffmpeg(dir / "late.mp4",
                               "-f lavfi -i color=c=gray:s=64x64:r=25:d=2 -itsoffset 0.5 -f lavfi -i "
                               "sine=frequency=300:sample_rate=16000:duration=2 -map 0:v -map 1:a -c:v libx264 -c:a aac");
  EXPECT_NEAR(onset_of(late, &start), 0.5, 0.005);
  EXPECT_GT(start, 0.4);
}
