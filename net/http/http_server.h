// HttpServer: a small HTTP/1.1 server on the daemon's libuv loop, for the
// web interface (docs/architecture.md "Web interface"). It is a thin owner
// of one libwebsockets context running on a foreign libuv loop (Debian's
// libwebsockets 4.1 with its libuv event library): lws parses requests and
// writes responses; this class turns each request into an HttpRequest for
// an HttpHandler and each answer into bytes on the connection.
//
// A handler answers through an HttpResponder, now or later (a control
// command such as pair-join answers minutes later): Respond() sends one
// whole response, Stream() starts a response that stays open (Server-Sent
// Events) and returns an HttpStream to push to. A responder or stream that
// outlives its connection does nothing. Request bodies over
// kMaxHttpBodyBytes are refused with 413; methods other than GET and POST
// get 405 before the handler sees them.
//
// Lifetime: Close() destroys the lws context on a later turn of the loop (it
// may be called from inside a handler, which runs inside an lws callback),
// once the responses already given are written (at most kCloseGrace); the
// destructor destroys it at once, so it must not run inside a handler.
// Destroying the context closes the listener and every connection; their
// libuv handles close on the loop's next turns, and the context is freed
// after them (net/http/lws_context_end.h), so the loop must run before
// EventLoop::Close().
//
// Thread: the loop's thread only, responders and streams included.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/base/result.h"
#include "net/loop/event_loop.h"
#include "net/loop/timer.h"

struct lws;
struct lws_context;

namespace shoal::net {

class LwsContextEnd;

inline constexpr std::size_t kMaxHttpBodyBytes = std::size_t{1} << 20;
// A stream whose unsent bytes exceed this (a reader that stopped reading)
// is closed.
inline constexpr std::size_t kMaxHttpStreamQueueBytes = std::size_t{4} << 20;

struct HttpRequest {
  std::string method;  // "GET" or "POST"
  std::string path;    // without the query
  std::string host;    // headers, "" when absent
  std::string origin;
  std::string cookie;
  std::string body;
  std::string remote;  // the client's IP address ("127.0.0.1", "::1")
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  HttpHeaders headers;  // besides Content-Type and Content-Length
  std::string body;
};

struct HttpExchange;  // one request on one connection (http_server.cc)

// Pushes bytes on an open response. Thread: the loop's.
class HttpStream {
 public:
  explicit HttpStream(std::weak_ptr<HttpExchange> exchange) : exchange_(std::move(exchange)) {}
  // Queues `bytes`; false once the connection has closed.
  bool Send(std::string bytes);
  bool open() const;

 private:
  std::weak_ptr<HttpExchange> exchange_;
};

// Answers one request, once. Copyable; copies share the exchange.
class HttpResponder {
 public:
  explicit HttpResponder(std::weak_ptr<HttpExchange> exchange) : exchange_(std::move(exchange)) {}
  void Respond(HttpResponse response) const;
  // Sends the status and headers of a response without a length and keeps
  // the connection open for the stream's bytes.
  std::shared_ptr<HttpStream> Stream(int status, std::string content_type,
                                     HttpHeaders headers) const;

 private:
  std::weak_ptr<HttpExchange> exchange_;
};

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  virtual void OnRequest(const HttpRequest& request, HttpResponder responder) = 0;
};

class HttpServer {
 public:
  // Listens on `host` (an IPv4 or IPv6 address) and `port` (0: the kernel
  // chooses). `handler` must outlive the server. `every_response` is added
  // to every response, the server's own 405 and 413 included.
  static Result<std::unique_ptr<HttpServer>> Listen(EventLoop& loop, const std::string& host,
                                                    std::uint16_t port, HttpHandler& handler,
                                                    HttpHeaders every_response = {});
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();

  std::uint16_t port() const { return port_; }
  void Close();

  struct Connections;  // exchanges by connection (http_server.cc)

 private:
  static constexpr std::chrono::milliseconds kCloseGrace{1000};

  explicit HttpServer(HttpHandler& handler);
  void DestroyWhenAnswered();
  void Destroy();

  HttpHandler& handler_;
  std::unique_ptr<Timer> close_timer_;
  std::chrono::steady_clock::time_point close_deadline_;
  std::unique_ptr<Connections> connections_;
  lws_context* context_ = nullptr;
  std::unique_ptr<LwsContextEnd> end_;  // frees the context after Destroy()
  std::uint16_t port_ = 0;
};

}  // namespace shoal::net
