#include "being/serve/server.h"

#include "being/animate/live_expression.h"
#include "being/audio/resampler.h"
#include "being/serve/jpeg.h"
#include "being/serve/metrics.h"
#include "being/serve/protocol.h"
#include "web_files.h"

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

namespace being::serve {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

// One rendered frame on its way from the render thread to its session, which encodes and sends it.
struct Rendered {
  int64_t index = 0, pts_samples = 0, ready_samples = 0;
  int width = 0, height = 0;
  Clock::time_point ready_at;
  std::vector<float> codes;
  std::vector<std::uint8_t> rgb;
  bool last = false;  // the stream was stopped and this is its final frame
};

// What the render thread calls back on a session (from its own thread).
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void deliver(Rendered frame) = 0;
  virtual void resume_reading() = 0;
  virtual void fail(const std::string& message) = 0;
};

// One session's audio -> code state, shared by its network strand (push, stop) and the render thread
// (codes, frames). Everything but `player` is guarded by `mutex`; `player` belongs to the render
// thread, which creates and destroys it (it holds GPU objects of the shared context). `sink` keeps
// the session alive while it has frames coming even when it is not reading (paused, or stopped and
// waiting for its last frames); the render thread lets go of it once the session is closed.
struct Stream {
  Stream(const ServedAvatar& served, const StartRequest& start, const player::PlayerOptions& frame_look,
         std::shared_ptr<FrameSink> frame_sink)
      : avatar(served),
        request(start),
        look(frame_look),
        live(served.avatar, animate::LiveOptions{start.fps}),
        pinned(live.code_dim()) {
    sink = std::move(frame_sink);
    if (start.sample_rate != live.sample_rate())
      resampler = std::make_unique<audio::Resampler>(start.sample_rate, live.sample_rate());
  }

  // Input samples -> resampler -> live expression; remembers when new frames became ready.
  void push(const float* input, std::size_t count, Clock::time_point at) {
    input_samples += static_cast<int64_t>(count);
    if (resampler) {
      resampled.clear();
      resampler->push(input, count, resampled);
      live.push(resampled.data(), resampled.size());
    } else {
      live.push(input, count);
    }
    note_arrival(at);
  }

  // The end of the audio: frames up to its last sample become ready (silence is appended for the
  // look-ahead of the last frames, as past the end of a file).
  void finish(Clock::time_point at) {
    if (resampler) {
      resampled.clear();
      resampler->finish(resampled);
      live.push(resampled.data(), resampled.size());
    }
    const int64_t rate = live.sample_rate();
    end_frames = (live.samples() * request.fps + rate - 1) / rate;
    const std::vector<float> silence(static_cast<std::size_t>(rate / 100), 0.0f);
    while (live.frames_ready() < end_frames) live.push(silence.data(), silence.size());
    note_arrival(at);
  }

  void note_arrival(Clock::time_point at) {
    const int64_t ready = live.frames_ready();
    if (arrivals.empty() || ready > arrivals.back().frames_ready) arrivals.push_back({ready, input_samples, at});
  }

  int64_t backlog() const { return live.frames_ready() - live.next_frame(); }
  bool ended() const { return end_frames >= 0 && live.next_frame() >= end_frames; }

  // The audio chunk that made frame `index` ready: the first arrival after which it was.
  const auto& arrival_of(int64_t index) {
    while (arrivals.size() > 1 && arrivals.front().frames_ready <= index) arrivals.pop_front();
    return arrivals.front();
  }

  const ServedAvatar& avatar;
  const StartRequest request;
  const player::PlayerOptions look;

  std::mutex mutex;
  std::unique_ptr<audio::Resampler> resampler;
  animate::LiveExpression live;
  std::vector<float> resampled;
  int64_t input_samples = 0;  // on the client's clock
  struct Arrival {
    int64_t frames_ready, input_end;
    Clock::time_point at;
  };
  std::deque<Arrival> arrivals;
  std::vector<std::optional<float>> pinned;  // expression values the client set
  int64_t end_frames = -1;                   // after stop: the stream's frame count
  int in_flight = 0;                         // frames handed to the session and not yet written
  bool read_paused = false;                  // the session stopped reading: too much audio ahead
  bool closed = false;                       // the session is gone
  std::shared_ptr<FrameSink> sink;           // null once closed and dropped by the render thread

  std::unique_ptr<player::AvatarPlayer> player;
};

// A render thread: the only user of its gpu::Context, owner of its sessions' players. It visits its
// sessions round-robin and renders at most one frame of each per pass, so a fast client cannot
// starve the others. Frames are rendered one at a time (one submit each): the CPU work around them
// (deformation, read-back) is what limits, and it runs in parallel across render threads; JPEG
// encoding runs on the network threads, in parallel with the next render.
class RenderLoop {
 public:
  RenderLoop(const gpu::Context& context, const ServerOptions& options) : context_(context), options_(options) {}

  void start() { thread_ = std::thread([this] { run(); }); }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

  void add(std::shared_ptr<Stream> stream) {
    ++load_;
    {
      std::lock_guard lock(mutex_);
      incoming_.push_back(std::move(stream));
      ++generation_;
    }
    cv_.notify_one();
  }

  // Streams this thread renders.
  int load() const { return load_; }

  void wake() {
    {
      std::lock_guard lock(mutex_);
      ++generation_;
    }
    cv_.notify_one();
  }

 private:
  void run() {
    std::vector<std::shared_ptr<Stream>> streams;
    for (;;) {
      std::uint64_t seen;
      {
        std::lock_guard lock(mutex_);
        if (stopping_) break;
        for (auto& s : incoming_) streams.push_back(std::move(s));
        incoming_.clear();
        seen = generation_;
      }
      if (!pass(streams)) {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      }
    }
    std::lock_guard lock(mutex_);
    for (auto& s : incoming_) streams.push_back(std::move(s));
    for (auto& s : streams) drop(*s);
  }

  // Render thread: releases the GPU objects and the session (outside the stream's lock: this may be
  // the session's last reference, and its destructor takes that lock).
  static void drop(Stream& s) {
    s.player.reset();
    std::shared_ptr<FrameSink> sink;
    {
      std::lock_guard lock(s.mutex);
      sink = std::move(s.sink);
    }
  }

  // Renders the next frame of every stream that has one; false when none had.
  bool pass(std::vector<std::shared_ptr<Stream>>& streams) {
    bool worked = false;
    for (auto it = streams.begin(); it != streams.end();) {
      Stream& s = **it;
      bool closed;
      {
        std::lock_guard lock(s.mutex);
        closed = s.closed;
      }
      if (closed) {
        drop(s);
        --load_;
        it = streams.erase(it);
        continue;
      }
      worked |= render_next(s);
      ++it;
    }
    return worked;
  }

  bool render_next(Stream& s) {
    const int max_backlog = std::max(1, static_cast<int>(options_.max_backlog_seconds * s.request.fps));
    Rendered frame;
    bool resume = false;
    std::shared_ptr<FrameSink> sink;
    {
      std::lock_guard lock(s.mutex);
      if (s.in_flight >= options_.max_queued_frames) return false;
      code_.resize(s.live.code_dim());
      int64_t index = -1;
      if (s.end_frames < 0 && s.request.latest_only) {
        index = s.live.latest(code_.data());
      } else if ((s.end_frames < 0 || s.live.next_frame() < s.end_frames) && s.live.next(code_.data())) {
        index = s.live.next_frame() - 1;
      }
      if (index < 0) return false;
      for (std::size_t k = 0; k < code_.size(); ++k)
        if (s.pinned[k]) code_[k] = *s.pinned[k];
      const auto& arrival = s.arrival_of(index);
      frame.index = index;
      frame.pts_samples = index * s.request.sample_rate / s.request.fps;
      frame.ready_samples = arrival.input_end;
      frame.ready_at = arrival.at;
      frame.codes = code_;
      frame.last = s.ended();
      if (s.read_paused && s.backlog() <= max_backlog / 2) {
        s.read_paused = false;
        resume = true;
      }
      ++s.in_flight;
      sink = s.sink;
    }
    if (resume) sink->resume_reading();
    try {
      if (!s.player) s.player = std::make_unique<player::AvatarPlayer>(context_, s.avatar.avatar, s.look);
      s.player->render(frame.index, s.request.fps, frame.codes.data());
      frame.width = s.player->width();
      frame.height = s.player->height();
      frame.rgb.resize(static_cast<std::size_t>(frame.width) * frame.height * 3);
      player::to_rgb8(s.player->host_rgba(), static_cast<std::size_t>(frame.width) * frame.height, frame.rgb.data());
    } catch (const std::exception& e) {
      sink->fail(std::string("the server could not render this session: ") + e.what());
      return true;
    }
    sink->deliver(std::move(frame));
    return true;
  }

  const gpu::Context& context_;
  const ServerOptions& options_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::uint64_t generation_ = 0;
  bool stopping_ = false;
  std::vector<std::shared_ptr<Stream>> incoming_;
  std::atomic<int> load_{0};
  std::vector<float> code_;
};

std::string content_type(const std::string& path) {
  const auto ends = [&](const char* ext) {
    const std::string e(ext);
    return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".json")) return "application/json";
  return "application/octet-stream";
}

class WsSession;

}  // namespace

struct Server::Impl {
  Impl(const gpu::Context& gpu_context, std::vector<ServedAvatar> served, const ServerOptions& server_options)
      : avatars(std::move(served)), options(server_options), acceptor(io), signals(io) {
    // Render thread k > 0 gets its own context on the same device: a context is not thread-safe,
    // and separate ones let the threads' CPU work (deformation, read-back) run in parallel.
    int threads = options.render_threads;
    if (threads <= 0) threads = std::clamp(static_cast<int>(std::thread::hardware_concurrency()) / 2, 1, 8);
    gpu::ContextOptions same_device = gpu::ContextOptions::from_environment();
    same_device.device_selector = gpu_context.device_info().name;
    for (int k = 0; k < threads; ++k) {
      if (k > 0) contexts.push_back(std::make_unique<gpu::Context>(same_device));
      renders.push_back(std::make_unique<RenderLoop>(k == 0 ? gpu_context : *contexts.back(), options));
    }
  }

  // The render thread with the fewest sessions.
  RenderLoop& least_loaded() {
    return **std::min_element(renders.begin(), renders.end(),
                              [](const auto& a, const auto& b) { return a->load() < b->load(); });
  }

  const ServedAvatar* find_avatar(const std::string& name) const {
    if (name.empty()) return &avatars.front();
    for (const auto& a : avatars)
      if (a.name == name) return &a;
    return nullptr;
  }

  // A static file of the page: from web_root when set, else the built-in copy.
  std::optional<std::string> web_file(std::string path) const {
    if (path == "/") path = "/index.html";
    if (!options.web_root.empty()) {
      if (path.find("..") != std::string::npos) return std::nullopt;
      std::ifstream in(std::filesystem::path(options.web_root) / path.substr(1), std::ios::binary);
      if (!in) return std::nullopt;
      std::ostringstream text;
      text << in.rdbuf();
      return text.str();
    }
    for (std::size_t i = 0; i < kWebFileCount; ++i)
      if (path == kWebFiles[i].path) return std::string(reinterpret_cast<const char*>(kWebFiles[i].data), kWebFiles[i].size);
    return std::nullopt;
  }

  std::string avatars_json() const {
    json list = json::array();
    for (const auto& a : avatars) {
      const int w = options.look.width > 0 ? options.look.width : a.avatar.camera.width;
      const int h = options.look.height > 0 ? options.look.height : a.avatar.camera.height;
      list.push_back({{"name", a.name}, {"width", w}, {"height", h}, {"codes", a.avatar.face.expression_names}});
    }
    return json{{"avatars", list}}.dump();
  }

  void accept();
  void shut_down();

  // Declared before io: sessions destroyed with io's pending handlers still report to them.
  std::vector<ServedAvatar> avatars;
  ServerOptions options;
  Metrics metrics;
  std::vector<std::unique_ptr<gpu::Context>> contexts;  // of render threads 1..
  std::vector<std::unique_ptr<RenderLoop>> renders;
  std::atomic<int> sessions{0};
  std::mutex registry_mutex;
  std::vector<std::weak_ptr<WsSession>> registry;
  net::io_context io;
  tcp::acceptor acceptor;
  net::signal_set signals;
  std::unique_ptr<net::steady_timer> shutdown_timer;
};

namespace {

// A WebSocket session: one stream. Runs on its own strand; frames arrive from the render thread.
class WsSession : public FrameSink, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(tcp::socket&& socket, Server::Impl& server) : ws_(std::move(socket)), server_(server) {
    server_.metrics.session_opened();
  }

  ~WsSession() override {
    finished();
    server_.metrics.session_closed();
    --server_.sessions;
  }

  void start(http::request<http::string_body> request) {
    // Beast's own idle timeout counts only received bytes, so it would also close a session that is
    // paused (back-pressure) or stopped and still sending its last frames; the session's own timer
    // (touch()) counts writes as progress too.
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(server_.options.max_message_bytes);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "being-serve"); }));
    ws_.async_accept(request, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
  }

  // Closes with "going away" (server shutdown).
  void shut_down() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      self->close_after_flush(websocket::close_code::going_away, "server shutting down");
    });
  }

  void deliver(Rendered frame) override {
    net::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame)]() mutable {
      self->send_frame(std::move(frame));
    });
  }

  void resume_reading() override {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      if (self->paused_ && !self->closing_) {
        self->paused_ = false;
        self->read();
      }
    });
  }

  void fail(const std::string& message) override {
    net::post(ws_.get_executor(), [self = shared_from_this(), message] {
      self->send_error(message, websocket::close_code::internal_error);
    });
  }

 private:
  struct Outgoing {
    bool text = false;
    bool frame = false;  // counts against the stream's in-flight frames
    std::shared_ptr<const std::string> body;
  };

  void on_accept(beast::error_code ec) {
    if (ec) return;
    touch();
    read();
  }

  // Progress (a message received, a write finished): the idle timer starts again.
  void touch() {
    idle_timer_.expires_after(std::chrono::milliseconds(static_cast<int64_t>(server_.options.idle_timeout_seconds * 1000)));
    idle_timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      if (auto self = weak.lock(); self && !ec) self->on_idle();
    });
  }

  // Nothing received or written for the idle timeout: say so and close; if even that does not get
  // through (a vanished client), drop the connection.
  void on_idle() {
    if (!closing_) {
      std::ostringstream message;
      message << "nothing received or sent for " << server_.options.idle_timeout_seconds << " s: closed";
      send_error(message.str(), websocket::close_code::going_away);
      touch();
      return;
    }
    beast::get_lowest_layer(ws_).close();
    finished();
  }

  void read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t bytes) {
    if (!ec) touch();
    if (ec) {
      // The client closed, vanished or sent an oversized message: the stream ends here.
      if (ec == websocket::error::message_too_big) server_.metrics.protocol_error();
      closing_ = true;
      finished();
      return;
    }
    const auto* data = static_cast<const std::uint8_t*>(buffer_.data().data());
    bool keep_reading = true;
    try {
      if (ws_.got_text()) {
        keep_reading = on_text(std::string(reinterpret_cast<const char*>(data), bytes));
      } else {
        keep_reading = on_audio(data, bytes);
      }
    } catch (const ProtocolError& e) {
      buffer_.consume(buffer_.size());
      server_.metrics.protocol_error();
      send_error(e.what(), websocket::close_code::policy_error);
      return;
    }
    buffer_.consume(buffer_.size());
    if (keep_reading && !closing_) read();
  }

  bool on_text(const std::string& text) {
    const ClientMessage message = parse_client_message(text);
    switch (message.type) {
      case ClientMessage::Type::start: start_stream(message.start); return true;
      case ClientMessage::Type::stop: stop_stream(); return false;
      case ClientMessage::Type::expression: set_expression(message.weights); return true;
    }
    return true;
  }

  void start_stream(const StartRequest& request) {
    if (stream_) throw ProtocolError("the stream has already started (one stream per connection)");
    const ServedAvatar* avatar = server_.find_avatar(request.avatar);
    if (!avatar) throw ProtocolError("no avatar named \"" + request.avatar + "\" is served (GET /avatars lists them)");
    if ((request.width > 0) != (request.height > 0)) throw ProtocolError("give both \"width\" and \"height\", or neither");
    player::PlayerOptions look = server_.options.look;
    if (request.width > 0) {
      look.width = request.width;
      look.height = request.height;
    }
    if (look.width <= 0) {
      look.width = avatar->avatar.camera.width;
      look.height = avatar->avatar.camera.height;
    }
    try {
      stream_ = std::make_shared<Stream>(*avatar, request, look, shared_from_this());
    } catch (const std::exception& e) {
      throw ProtocolError(std::string("cannot start: ") + e.what());
    }
    loop_ = &server_.least_loaded();
    loop_->add(stream_);
    const json ready = {{"type", "ready"},
                        {"avatar", avatar->name},
                        {"width", look.width},
                        {"height", look.height},
                        {"fps", request.fps},
                        {"sample_rate", request.sample_rate},
                        {"frames", request.latest_only ? "latest" : "all"},
                        {"codes", avatar->avatar.face.expression_names},
                        {"look_ahead_ms", stream_->live.look_ahead_seconds() * 1000}};
    queue_text(ready.dump());
  }

  void stop_stream() {
    if (!stream_) throw ProtocolError("\"stop\" before \"start\"");
    bool done;
    {
      std::lock_guard lock(stream_->mutex);
      if (stream_->end_frames >= 0) throw ProtocolError("the stream was already stopped");
      stream_->finish(Clock::now());
      done = stream_->ended();
    }
    if (done) send_end();
    wake_renderer();
  }

  void set_expression(const ExpressionWeights& weights) {
    if (!stream_) throw ProtocolError("\"expression\" before \"start\"");
    const auto& names = stream_->avatar.avatar.face.expression_names;
    std::lock_guard lock(stream_->mutex);
    for (const auto& [name, value] : weights) {
      const auto at = std::find(names.begin(), names.end(), name);
      if (at == names.end()) throw ProtocolError("this avatar has no expression \"" + name + "\"");
      stream_->pinned[static_cast<std::size_t>(at - names.begin())] = value;
    }
  }

  bool on_audio(const std::uint8_t* data, std::size_t bytes) {
    if (!stream_) throw ProtocolError("audio before \"start\" (send {\"type\":\"start\",...} first)");
    const StartRequest& request = stream_->request;
    samples_.clear();
    decode_audio(data, bytes, request.format, samples_);
    server_.metrics.audio_received(bytes);
    int64_t first;
    bool pause;
    {
      std::lock_guard lock(stream_->mutex);
      if (stream_->end_frames >= 0) throw ProtocolError("audio after \"stop\"");
      first = stream_->input_samples;
      stream_->push(samples_.data(), samples_.size(), Clock::now());
      const int max_backlog = std::max(1, static_cast<int>(server_.options.max_backlog_seconds * request.fps));
      pause = stream_->backlog() > max_backlog;
      stream_->read_paused = pause;
    }
    wake_renderer();
    if (request.echo_audio)
      queue(Outgoing{false, false, to_body(encode_audio(first, request.sample_rate, request.format, data, bytes))});
    paused_ = pause;
    return !pause;
  }

  void send_frame(Rendered r) {
    if (closing_) return;
    FrameMessage message;
    message.index = r.index;
    message.pts_samples = r.pts_samples;
    message.ready_samples = r.ready_samples;
    message.width = r.width;
    message.height = r.height;
    message.codes = std::move(r.codes);
    message.jpeg = encode_jpeg(r.rgb.data(), r.width, r.height, stream_->request.jpeg_quality);
    message.server_ms = std::chrono::duration<float, std::milli>(Clock::now() - r.ready_at).count();
    auto body = to_body(encode_frame(message));
    server_.metrics.frame_sent(message.server_ms, body->size());
    queue(Outgoing{false, true, std::move(body)});
    if (r.last) send_end();
  }

  void send_end() {
    int64_t frames, samples;
    {
      std::lock_guard lock(stream_->mutex);
      frames = stream_->end_frames;
      samples = stream_->input_samples;
    }
    queue_text(json{{"type", "end"}, {"frames", frames}, {"samples", samples}}.dump());
    close_after_flush(websocket::close_code::normal, "end of stream");
  }

  void send_error(const std::string& message, websocket::close_code code) {
    if (closing_) return;
    queue_text(json{{"type", "error"}, {"message", message}}.dump());
    close_after_flush(code, message.substr(0, 120));
  }

  static std::shared_ptr<const std::string> to_body(const std::vector<std::uint8_t>& bytes) {
    return std::make_shared<const std::string>(bytes.begin(), bytes.end());
  }

  void queue_text(std::string text) { queue(Outgoing{true, false, std::make_shared<const std::string>(std::move(text))}); }

  void queue(Outgoing message) {
    if (closing_) return;
    if (queue_.size() >= server_.options.max_queued_messages) {
      // The client does not read what it asked for; holding more would grow without bound.
      server_.metrics.protocol_error();
      closing_ = true;
      beast::get_lowest_layer(ws_).close();
      finished();
      return;
    }
    queue_.push_back(std::move(message));
    if (!writing_) write_next();
  }

  void write_next() {
    if (queue_.empty()) {
      writing_ = false;
      if (close_pending_) {
        close_pending_ = false;
        ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code) { self->finished(); });
      }
      return;
    }
    writing_ = true;
    const Outgoing& m = queue_.front();
    ws_.text(m.text);
    ws_.async_write(net::buffer(*m.body), beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (!ec) touch();
    const bool frame = queue_.front().frame;
    queue_.pop_front();
    if (frame && stream_) {
      {
        std::lock_guard lock(stream_->mutex);
        --stream_->in_flight;
      }
      wake_renderer();
    }
    if (ec) {
      closing_ = true;
      queue_.clear();
      writing_ = false;
      finished();
      return;
    }
    write_next();
  }

  // The connection is over: the render thread stops rendering for it and lets go of it.
  void finished() {
    if (stream_) {
      std::lock_guard lock(stream_->mutex);
      stream_->closed = true;
    }
    wake_renderer();
  }

  void close_after_flush(websocket::close_code code, const std::string& reason) {
    if (closing_) return;
    closing_ = true;
    close_pending_ = true;
    close_reason_ = websocket::close_reason(code, reason);
    if (!writing_) write_next();
  }

  void wake_renderer() {
    if (loop_) loop_->wake();
  }

  websocket::stream<beast::tcp_stream> ws_;
  Server::Impl& server_;
  RenderLoop* loop_ = nullptr;  // the render thread of this session's stream, once started
  beast::flat_buffer buffer_;
  std::shared_ptr<Stream> stream_;
  std::vector<float> samples_;
  std::deque<Outgoing> queue_;
  bool writing_ = false, closing_ = false, close_pending_ = false, paused_ = false;
  websocket::close_reason close_reason_;
  net::steady_timer idle_timer_{ws_.get_executor()};
};

// One HTTP connection: the page's files, /health, /metrics, /avatars, and the upgrade to /ws.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, Server::Impl& server) : stream_(std::move(socket)), server_(server) {}

  void read() {
    parser_.emplace();
    parser_->body_limit(64 * 1024);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
  }

 private:
  void on_read(beast::error_code ec, std::size_t) {
    if (ec) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    auto request = parser_->release();
    if (websocket::is_upgrade(request) && request.target() == "/ws") {
      if (server_.sessions.fetch_add(1) >= server_.options.max_sessions) {
        --server_.sessions;
        server_.metrics.session_rejected();
        return respond(request, http::status::service_unavailable, "text/plain",
                       "being serve: the server is at its session limit (" + std::to_string(server_.options.max_sessions) +
                           "); try again later\n");
      }
      stream_.expires_never();
      auto session = std::make_shared<WsSession>(stream_.release_socket(), server_);
      {
        std::lock_guard lock(server_.registry_mutex);
        auto& r = server_.registry;
        r.erase(std::remove_if(r.begin(), r.end(), [](const auto& w) { return w.expired(); }), r.end());
        r.push_back(session);
      }
      session->start(std::move(request));
      return;
    }
    if (request.method() != http::verb::get && request.method() != http::verb::head)
      return respond(request, http::status::method_not_allowed, "text/plain", "only GET and HEAD\n");
    const std::string path(request.target().substr(0, request.target().find('?')));
    if (path == "/health") return respond(request, http::status::ok, "application/json", "{\"status\":\"ok\"}");
    if (path == "/metrics") return respond(request, http::status::ok, "application/json", server_.metrics.json());
    if (path == "/avatars") return respond(request, http::status::ok, "application/json", server_.avatars_json());
    if (auto file = server_.web_file(path)) return respond(request, http::status::ok, content_type(path == "/" ? ".html" : path), std::move(*file));
    respond(request, http::status::not_found, "text/plain", "not found: " + path + "\n");
  }

  void respond(const http::request<http::string_body>& request, http::status status, const std::string& type, std::string body) {
    auto response = std::make_shared<http::response<http::string_body>>(status, request.version());
    response->set(http::field::server, "being-serve");
    response->set(http::field::content_type, type);
    response->set(http::field::cache_control, "no-store");
    response->keep_alive(request.keep_alive());
    response->body() = request.method() == http::verb::head ? std::string() : std::move(body);
    response->prepare_payload();
    http::async_write(stream_, *response,
                      [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
                        if (!ec && response->keep_alive()) self->read();
                        else {
                          beast::error_code ignored;
                          self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                        }
                      });
  }

  beast::tcp_stream stream_;
  Server::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) return;  // the acceptor was closed: shutting down
    // Frames and echoes are small writes that must leave at once, not wait for the last ACK (Nagle).
    socket.set_option(tcp::no_delay(true), ec);
    std::make_shared<HttpSession>(std::move(socket), *this)->read();
    accept();
  });
}

void Server::Impl::shut_down() {
  beast::error_code ignored;
  acceptor.close(ignored);
  signals.cancel(ignored);
  {
    std::lock_guard lock(registry_mutex);
    for (const auto& weak : registry)
      if (auto session = weak.lock()) session->shut_down();
  }
  // Sessions close within a moment; idle HTTP keep-alive connections would hold run() for their
  // whole timeout, so the loop stops after a grace period.
  shutdown_timer = std::make_unique<net::steady_timer>(io, std::chrono::seconds(2));
  shutdown_timer->async_wait([this](beast::error_code) { io.stop(); });
}

Server::Server(const gpu::Context& context, std::vector<ServedAvatar> avatars, const ServerOptions& options) {
  if (avatars.empty()) throw std::invalid_argument("no avatar to serve");
  if (options.max_sessions < 1 || options.max_queued_frames < 1 || options.io_threads < 1 ||
      !(options.max_backlog_seconds > 0) || !(options.idle_timeout_seconds > 0) || options.max_message_bytes < 1024)
    throw std::invalid_argument("limits must be positive (and messages at least 1 KiB)");
  // Every avatar drawn once here, so that a look it cannot honour fails now rather than per session.
  for (const auto& a : avatars) player::AvatarPlayer check(context, a.avatar, options.look);
  impl_ = std::make_unique<Impl>(context, std::move(avatars), options);
  beast::error_code ec;
  const auto address = net::ip::make_address(options.bind, ec);
  if (ec) throw std::runtime_error("--bind " + options.bind + " is not an IP address");
  const tcp::endpoint endpoint(address, options.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("cannot listen on " + options.bind + ":" + std::to_string(options.port) + ": " +
                             ec.message() + " (choose another --port, or stop what uses it)");
}

Server::~Server() = default;

unsigned short Server::port() const { return impl_->acceptor.local_endpoint().port(); }

std::string Server::metrics_json() const { return impl_->metrics.json(); }

void Server::run() {
  Impl& s = *impl_;
  if (s.options.stop_on_signals) {
    s.signals.add(SIGINT);
    s.signals.add(SIGTERM);
    s.signals.async_wait([this](beast::error_code ec, int) {
      if (!ec) impl_->shut_down();
    });
  }
  for (auto& r : s.renders) r->start();
  s.accept();
  std::vector<std::thread> threads;
  for (int i = 1; i < s.options.io_threads; ++i) threads.emplace_back([&s] { s.io.run(); });
  s.io.run();
  for (auto& t : threads) t.join();
  for (auto& r : s.renders) r->stop();
}

void Server::stop() {
  net::post(impl_->io, [this] { impl_->shut_down(); });
}

}  // namespace being::serve
