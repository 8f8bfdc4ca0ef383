#include "being/serve/client.h"

#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <stdexcept>
#include <thread>

namespace being::serve {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

}  // namespace

std::pair<int, std::string> http_get(const std::string& host, unsigned short port, const std::string& target) {
  net::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(tcp::resolver(io).resolve(host, std::to_string(port)), ec);
  if (ec) throw std::runtime_error("cannot connect to " + host + ":" + std::to_string(port) + ": " + ec.message());
  http::request<http::empty_body> request(http::verb::get, target, 11);
  request.set(http::field::host, host);
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return {static_cast<int>(response.result_int()), response.body()};
}

struct StreamClient::Impl {
  net::io_context io;
  websocket::stream<beast::tcp_stream> ws{net::make_strand(io)};
  beast::flat_buffer buffer;
  std::thread thread;

  struct Outgoing {
    bool text;
    std::string body;
  };
  std::deque<Outgoing> writes;  // on the strand
  bool writing = false;

  mutable std::mutex mutex;
  std::condition_variable cv;
  std::deque<Message> received;
  std::size_t pending = 0;
  bool ended = false;

  void deliver(Message m) {
    {
      std::lock_guard lock(mutex);
      received.push_back(std::move(m));
    }
    cv.notify_one();
  }

  void read() {
    ws.async_read(buffer, [this](beast::error_code ec, std::size_t bytes) {
      if (ec) {
        std::string reason = ec.message();
        if (ec == websocket::error::closed) reason = "closed (" + std::to_string(ws.reason().code) + "): " + std::string(ws.reason().reason.data(), ws.reason().reason.size());
        deliver({Message::Kind::closed, reason, Clock::now()});
        return;
      }
      const auto* data = static_cast<const char*>(buffer.data().data());
      deliver({ws.got_text() ? Message::Kind::text : Message::Kind::binary, std::string(data, bytes), Clock::now()});
      buffer.consume(buffer.size());
      read();
    });
  }

  void queue(bool text, std::string body) {
    {
      std::lock_guard lock(mutex);
      ++pending;
    }
    net::post(ws.get_executor(), [this, text, body = std::move(body)]() mutable {
      writes.push_back({text, std::move(body)});
      if (!writing) write_next();
    });
  }

  void write_next() {
    if (writes.empty()) {
      writing = false;
      return;
    }
    writing = true;
    ws.text(writes.front().text);
    ws.async_write(net::buffer(writes.front().body), [this](beast::error_code ec, std::size_t) {
      writes.pop_front();
      {
        std::lock_guard lock(mutex);
        --pending;
      }
      if (ec) {
        writes.clear();
        writing = false;
        return;
      }
      write_next();
    });
  }
};

StreamClient::StreamClient(const std::string& host, unsigned short port, const std::string& target)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  beast::error_code ec;
  auto& socket = beast::get_lowest_layer(s.ws);
  socket.expires_after(std::chrono::seconds(10));
  socket.connect(tcp::resolver(s.io).resolve(host, std::to_string(port)), ec);
  if (ec) throw std::runtime_error("cannot connect to " + host + ":" + std::to_string(port) + ": " + ec.message());
  socket.socket().set_option(tcp::no_delay(true), ec);  // audio chunks leave at once (no Nagle delay)
  s.ws.handshake(host + ":" + std::to_string(port), target, ec);
  if (ec) throw std::runtime_error("WebSocket handshake with " + host + ":" + std::to_string(port) + target + " failed: " + ec.message());
  socket.expires_never();
  s.read();
  s.thread = std::thread([&s] { s.io.run(); });
}

StreamClient::~StreamClient() {
  drop();
  impl_->thread.join();
}

void StreamClient::send_text(std::string text) { impl_->queue(true, std::move(text)); }

void StreamClient::send_binary(std::vector<std::uint8_t> bytes) { impl_->queue(false, std::string(bytes.begin(), bytes.end())); }

std::size_t StreamClient::pending_writes() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->pending;
}

std::optional<StreamClient::Message> StreamClient::receive(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  if (!impl_->cv.wait_for(lock, timeout, [&] { return !impl_->received.empty(); })) return std::nullopt;
  Message m = std::move(impl_->received.front());
  impl_->received.pop_front();
  return m;
}

void StreamClient::close() {
  Impl& s = *impl_;
  net::post(s.ws.get_executor(), [&s] {
    if (s.ws.is_open()) s.ws.async_close(websocket::close_code::normal, [](beast::error_code) {});
  });
}

void StreamClient::drop() {
  Impl& s = *impl_;
  net::post(s.ws.get_executor(), [&s] { beast::get_lowest_layer(s.ws).close(); });
}

}  // namespace being::serve
