#include "being/ingest/ingest.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "being/audio/decoder.h"
#include "being/av_sync/av_offset.h"
#include "being/video/video_reader.h"
#include "stages.h"

namespace being::ingest {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Bumped when a stage's output changes meaning, so old caches are redone.
constexpr const char* kAnalysisVersion = "analysis-1";
constexpr const char* kFramesVersion = "frames-1";
// Seconds of tracked video below which a measured A/V offset is reported but not applied.
constexpr int kMinSyncSeconds = 10;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void check_output(const fs::path& dir) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error || !fs::is_directory(dir))
    throw IngestError("cannot create the output folder " + dir.string() + " (" +
                      (error ? error.message() : "a file of that name exists") + "); choose a writable location");
  const auto probe = dir / ".write-test";
  {
    std::ofstream out(probe);
    if (!(out << "x"))
      throw IngestError("the output folder " + dir.string() + " is not writable; choose another with -o");
  }
  fs::remove(probe, error);
}

std::string source_key(const IngestRequest& r) {
  std::error_code error;
  const auto size = fs::file_size(r.video, error);
  const auto time = fs::last_write_time(r.video, error).time_since_epoch().count();
  std::ostringstream key;
  key << fs::absolute(r.video).string() << '|' << size << '|' << time << '|' << r.fps << '|' << r.max_frames;
  return key.str();
}

// The samples of the whole audio track at 16 kHz and when they start on the video's clock.
std::vector<float> decode_audio(const fs::path& video, double& start_s) {
  audio::AudioDecoder decoder(video.string(), 16000);
  std::vector<float> samples, chunk(1 << 15);
  while (const std::size_t n = decoder.read(chunk.data(), chunk.size()))
    samples.insert(samples.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
  start_s = decoder.source().start_s;
  return samples;
}

// FNV-1a over what the frames stage draws from the tracking (crop windows, poses, validity), so a
// changed tracking redoes the frames.
std::uint64_t tracking_hash(const Track& t) {
  std::uint64_t h = 1469598103934665603ull;
  const auto add = [&](double v) {
    const auto bits = static_cast<std::int64_t>(std::llround(v * 1e4));
    for (int b = 0; b < 8; ++b) h = (h ^ ((static_cast<std::uint64_t>(bits) >> (8 * b)) & 0xff)) * 1099511628211ull;
  };
  for (std::size_t i = 0; i < t.poses.size(); ++i) {
    add(t.valid[i]);
    add(t.crops[i].x0), add(t.crops[i].y0), add(t.crops[i].size);
    for (int c = 0; c < 3; ++c) add(t.poses[i].rotation[c]), add(t.poses[i].translation[c]);
  }
  return h;
}

std::string format(const char* fmt, double a, double b = 0) {
  char text[256];
  std::snprintf(text, sizeof text, fmt, a, b);
  return text;
}

}  // namespace

IngestSummary run_ingest(const IngestRequest& request, const Progress& progress) {
  const auto start = Clock::now();
  IngestSummary summary;
  auto& m = summary.manifest;
  const auto stage = [&](const std::string& name, Clock::time_point t, bool reused) {
    summary.stages.push_back({name, seconds_since(t), reused});
  };

  // Inputs and outputs first: every problem a user can fix is reported before any work.
  if (!fs::exists(request.video)) throw IngestError("no such file: " + request.video.string());
  if (fs::is_directory(request.video)) throw IngestError(request.video.string() + " is a folder, not a video file");
  video::VideoInfo info;
  try {
    info = video::VideoReader(request.video.string(), request.fps).info();
  } catch (const media::MediaError& e) {
    throw IngestError(std::string(e.what()) + "; bake ingest needs a video of a person talking");
  }
  double duration = info.duration_s;
  if (request.max_frames > 0) duration = std::min(duration, static_cast<double>(request.max_frames) / request.fps);
  if (duration < request.min_seconds)
    throw IngestError(format("the video is %.1f s long; bake needs at least %.0f s of a person talking (1-5 minutes "
                             "make a good avatar)", duration, request.min_seconds));
  const bool audio = !request.no_audio;
  if (audio && !info.has_audio)
    throw IngestError(request.video.string() + " has no audio track, and the avatar learns from the voice. Use a "
                      "video with sound, or pass --no-audio to track the face only (no audio features)");
  check_output(request.output);

  const fs::path dir = request.output, work = dir / "work";
  fs::create_directories(work);
  std::ostringstream final_key;
  final_key << source_key(request) << '|' << request.crop_size << '|' << request.jpeg_quality << '|' << audio << '|'
            << (request.av_offset_frames ? std::to_string(*request.av_offset_frames) : "measured") << '|'
            << kAnalysisVersion << '|' << kFramesVersion;
  if (fs::exists(dir / "dataset.json") && read_text(work / "dataset.key") == final_key.str()) {
    m = dataset::Dataset(dir).manifest();
    summary.up_to_date = true;
    summary.total_seconds = seconds_since(start);
    return summary;
  }
  // From here the folder is being rewritten: it must not look complete until the end.
  fs::remove(dir / "dataset.json");

  // Stage 1: face analysis of every frame.
  auto t = Clock::now();
  Analysis analysis;
  const std::string analysis_key = source_key(request) + '|' + kAnalysisVersion;
  const bool reuse_analysis = load_analysis(work, analysis_key, analysis);
  if (!reuse_analysis) {
    analysis = analyze_frames(request, work, progress);
    save_analysis(work, analysis_key, analysis);
  }
  stage("analyse", t, reuse_analysis);
  if (analysis.frames < request.min_seconds * request.fps)
    throw IngestError(format("only %.0f frames could be decoded (%.1f s); the file may be damaged or too short",
                             analysis.frames, static_cast<double>(analysis.frames) / request.fps));
  int usable = 0;
  std::vector<double> face_px;
  for (int i = 0; i < analysis.frames; ++i) {
    if (analysis.usable(i)) ++usable, face_px.push_back(analysis.face_px[i]);
    if (analysis.other_faces[i] > 0) ++summary.frames_with_other_faces;
  }
  if (usable == 0)
    throw IngestError("no usable face in any of the " + std::to_string(analysis.frames) + " frames of " +
                      request.video.string() + "; bake needs a video of one person facing the camera");

  m.source = {request.video.filename().string(), info.width, info.height, info.duration_s,
              static_cast<std::uint64_t>(fs::file_size(request.video))};
  m.fps = request.fps;
  m.frames = analysis.frames;
  m.crop_size = request.crop_size;
  m.jpeg_quality = request.jpeg_quality;
  m.has_audio = audio;
  dataset::split_frames(m);

  // Stage 2: tracking.
  t = Clock::now();
  const Track track_result = track(analysis, m);
  stage("track", t, false);
  const int tracked = static_cast<int>(std::lround(track_result.tracked_fraction * m.frames));
  if (tracked < 2 * m.fps)
    throw IngestError("the face was tracked on only " + std::to_string(tracked) + " frames; bake needs at least 2 s "
                      "of a clearly visible face");
  m.camera = {track_result.camera.focal_px, track_result.camera.cx, track_result.camera.cy, info.width, info.height};
  m.expression = {track_result.basis.size(), track_result.basis.kept_variance_fraction,
                  track_result.basis.reconstruction_rms_cm};
  m.idle_loop = {track_result.loop.start, track_result.loop.end, track_result.loop.seam_cost_deg};
  m.quality = {track_result.tracked_fraction, track_result.reprojection_rms_px, track_result.jitter_deg,
               track_result.jitter_px};
  summary.reprojection_median_px = track_result.reprojection_median_px;
  summary.pose_jitter_raw_deg = track_result.jitter_raw_deg;
  summary.pose_jitter_raw_px = track_result.jitter_raw_px;
  std::sort(face_px.begin(), face_px.end());
  summary.median_face_px = face_px[face_px.size() / 2];

  // A/V offset: measured from the mouth and the audio envelope, applied when the measurement is clear.
  std::vector<float> samples;
  double audio_start_s = 0, shift_s = 0;
  if (audio) {
    t = Clock::now();
    samples = decode_audio(request.video, audio_start_s);
    m.audio.sample_rate = 16000;
    if (request.av_offset_frames) {
      m.audio.av_offset_frames = *request.av_offset_frames;
      shift_s = *request.av_offset_frames / m.fps;
    } else {
      std::vector<float> aligned = samples;
      const auto lead = static_cast<std::int64_t>(std::llround(audio_start_s * 16000));
      if (lead > 0) aligned.insert(aligned.begin(), static_cast<std::size_t>(lead), 0.0f);
      if (lead < 0) aligned.erase(aligned.begin(), aligned.begin() + std::min<std::int64_t>(-lead, aligned.size()));
      av_sync::OffsetOptions options;
      options.fps = m.fps;
      try {
        const auto estimate = av_sync::estimate_av_offset(track_result.mouth_opening, track_result.valid, aligned, options);
        m.audio.av_offset_frames = estimate.offset_frames;
        // Applied when the peak is clear (the mouth follows the sound distinctly better at that lag
        // than on average) over enough speech: on clips of a few seconds a single gesture can fake a
        // peak (bluebg_woman_7s measures 8 frames and suit_man_vfr_6s -3, where the data manifest's
        // independent tracker finds them within 3 frames of sync).
        const int enough = kMinSyncSeconds * m.fps;
        if (tracked < enough)
          m.warnings.push_back(format("the A/V offset (%+.1f frames) is not applied: %.0f s of tracked video are too "
                                      "few to measure it reliably; pass --av-offset FRAMES to set it",
                                      estimate.offset_frames, static_cast<double>(tracked) / m.fps));
        else if (estimate.peak_margin >= 0.1 && estimate.correlation >= 0.2)
          shift_s = estimate.offset_frames / m.fps;
        else
          m.warnings.push_back(format("the A/V offset measurement is not clear (correlation %.2f, margin %.2f): "
                                      "the audio is used as it is; pass --av-offset FRAMES if you know it",
                                      estimate.correlation, estimate.peak_margin));
      } catch (const std::invalid_argument& e) {
        m.warnings.push_back(std::string("the A/V offset could not be measured (") + e.what() + "): audio used as it is");
      }
    }
    m.audio.av_offset_applied_s = shift_s;
    stage("audio-sync", t, false);
  }

  // Stage 3: frames, labels, plates.
  t = Clock::now();
  std::ostringstream frames_key;
  frames_key << analysis_key << '|' << request.crop_size << '|' << request.jpeg_quality << '|' << request.overlay << '|'
             << track_result.loop.start << '|' << track_result.loop.end << '|' << tracking_hash(track_result) << '|'
             << kFramesVersion;
  FramesResult frames;
  const bool reuse_frames = read_text(work / "frames.key") == frames_key.str() && fs::exists(dir / "background.png");
  if (reuse_frames) {
    std::istringstream in(read_text(work / "frames.result"));
    in >> frames.background_median_diff >> frames.background_seen_fraction;
  } else {
    fs::remove(work / "frames.key");
    frames = write_frames(request, analysis, track_result, work, progress);
    dataset::write_text(work / "frames.result", std::to_string(frames.background_median_diff) + " " +
                                                    std::to_string(frames.background_seen_fraction) + "\n");
    dataset::write_text(work / "frames.key", frames_key.str());
  }
  summary.background_median_diff = frames.background_median_diff;
  stage("frames", t, reuse_frames);

  // Stage 4: audio and features.
  if (audio) {
    t = Clock::now();
    m.audio.samples = write_audio(dir, std::move(samples), audio_start_s, shift_s, m);
    stage("features", t, false);
  }

  // The per-frame tensors, then the manifest, last.
  dataset::Tracks tracks;
  const int n = m.frames, k = track_result.basis.size();
  tracks.valid.resize(n);
  tracks.status = analysis.status;
  tracks.landmarks = analysis.landmarks;
  tracks.blendshapes = analysis.blendshapes;
  tracks.blendshape_names = analysis.blendshape_names;
  for (int i = 0; i < n; ++i) {
    tracks.valid[i] = track_result.valid[i] ? 1 : 0;
    for (int c = 0; c < 3; ++c) {
      tracks.rotation.push_back(static_cast<float>(track_result.poses[i].rotation[c]));
      tracks.translation.push_back(static_cast<float>(track_result.poses[i].translation[c]));
    }
    tracks.reprojection_px.push_back(static_cast<float>(track_result.reprojection_px[i]));
    const auto& w = track_result.crops[i];
    for (double v : {w.x0, w.y0, w.size}) tracks.crop.push_back(static_cast<float>(v));
    for (int vtx = 0; vtx < dataset::kMeshVertices; ++vtx)
      for (int c = 0; c < 3; ++c)
        tracks.mesh.push_back(track_result.valid[i] ? static_cast<float>(track_result.meshes[i][vtx][c])
                                                    : static_cast<float>(track_result.basis.mean[3 * vtx + c]));
    tracks.mouth_opening.push_back(static_cast<float>(track_result.mouth_opening[i]));
  }
  tracks.expression = track_result.codes;
  for (double v : track_result.basis.mean) tracks.expression_mean.push_back(static_cast<float>(v));
  for (double v : track_result.basis.components) tracks.expression_basis.push_back(static_cast<float>(v));
  dataset::write_tensor_file(dir / "tracks.safetensors", dataset::tracks_file(tracks, n, k));

  if (duration < request.warn_seconds)
    m.warnings.push_back(format("the video is only %.1f s long: 1-5 minutes of speech make a much better avatar", duration));
  if (summary.median_face_px < request.warn_face_px)
    m.warnings.push_back(format("the face is small (%.0f px high, median): the avatar will be blurry; use a video "
                                "where the face is at least %.0f px high", summary.median_face_px, request.warn_face_px));
  if (summary.frames_with_other_faces > 0)
    m.warnings.push_back("more than one face was seen (on " + std::to_string(summary.frames_with_other_faces) +
                         " detection frames); the largest, most central one was tracked. Check the contact sheet");
  if (track_result.tracked_fraction < 0.9)
    m.warnings.push_back(format("the face was tracked on only %.0f%% of the frames; frames without a face are "
                                "marked invalid and not trained on", 100.0 * track_result.tracked_fraction));
  if (frames.background_median_diff > 10)
    m.warnings.push_back(format("the background changes over the video (median difference %.0f/255): the camera "
                                "or the lighting moved, so the background plate may be blurred",
                                frames.background_median_diff));
  dataset::write_text(dir / "dataset.json", dataset::manifest_json(m));
  dataset::write_text(work / "dataset.key", final_key.str());
  summary.total_seconds = seconds_since(start);
  return summary;
}

}  // namespace being::ingest
