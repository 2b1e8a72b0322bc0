#include "net/http/http_server.h"

#include <libwebsockets.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>

#include "core/base/log.h"
#include "net/http/lws_context_end.h"

namespace shoal::net {

// One request and its answer. Owned by HttpServer::Connections while its
// connection is open; responders and streams hold weak pointers.
struct HttpExchange {
  enum class Phase { kReading, kWaiting, kHeaders, kBody, kStreaming };

  lws* wsi = nullptr;
  HttpRequest request;
  Phase phase = Phase::kReading;
  HttpResponse response;  // kHeaders, kBody
  bool stream = false;    // the response has no length and stays open
  std::size_t sent = 0;   // body bytes written (kBody)
  bool close_after = false;
  std::deque<std::string> queue;  // kStreaming: bytes not yet written
  std::size_t queued_bytes = 0;
};

struct HttpServer::Connections {
  HttpHandler* handler = nullptr;
  HttpHeaders every_response;
  std::map<lws*, std::shared_ptr<HttpExchange>> exchanges;

  HttpExchange* Find(lws* wsi) {
    auto it = exchanges.find(wsi);
    return it == exchanges.end() ? nullptr : it->second.get();
  }
};

namespace {

constexpr std::size_t kWriteChunkBytes = 16 * 1024;

std::string Header(lws* wsi, lws_token_indexes token) {
  const int length = lws_hdr_total_length(wsi, token);
  if (length <= 0) return {};
  std::string value(static_cast<std::size_t>(length) + 1, '\0');
  const int copied = lws_hdr_copy(wsi, value.data(), length + 1, token);
  if (copied < 0) return {};
  value.resize(static_cast<std::size_t>(copied));
  return value;
}

HttpServer::Connections& ConnectionsOf(lws* wsi) {
  return *static_cast<HttpServer::Connections*>(lws_context_user(lws_get_context(wsi)));
}

void Dispatch(HttpServer::Connections& connections, const std::shared_ptr<HttpExchange>& exchange) {
  exchange->phase = HttpExchange::Phase::kWaiting;
  connections.handler->OnRequest(exchange->request, HttpResponder(exchange));
}

void RespondNow(const std::shared_ptr<HttpExchange>& exchange, int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  HttpResponder(exchange).Respond(std::move(response));
}

// Writes `bytes` with the LWS_PRE headroom lws_write needs.
bool Write(lws* wsi, std::string_view bytes, lws_write_protocol protocol) {
  std::vector<unsigned char> buffer(LWS_PRE + bytes.size());
  std::memcpy(buffer.data() + LWS_PRE, bytes.data(), bytes.size());
  return lws_write(wsi, buffer.data() + LWS_PRE, bytes.size(), protocol) ==
         static_cast<int>(bytes.size());
}

bool WriteHeaders(lws* wsi, HttpExchange& exchange, const HttpHeaders& every_response) {
  std::vector<unsigned char> buffer(LWS_PRE + 8192);
  unsigned char* start = buffer.data() + LWS_PRE;
  unsigned char* p = start;
  unsigned char* end = buffer.data() + buffer.size();
  const HttpResponse& r = exchange.response;
  const lws_filepos_t length = exchange.stream ? LWS_ILLEGAL_HTTP_CONTENT_LEN : r.body.size();
  if (lws_add_http_common_headers(wsi, static_cast<unsigned>(r.status), r.content_type.c_str(),
                                  length, &p, end) != 0) {
    return false;
  }
  auto add = [&](const std::string& name, const std::string& value) {
    const std::string key = name + ":";
    return lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>(key.c_str()),
                                       reinterpret_cast<const unsigned char*>(value.data()),
                                       static_cast<int>(value.size()), &p, end) == 0;
  };
  for (const auto& [name, value] : every_response) {
    if (!add(name, value)) return false;
  }
  for (const auto& [name, value] : r.headers) {
    if (!add(name, value)) return false;
  }
  if (exchange.close_after && !add("connection", "close")) return false;
  return lws_finalize_write_http_header(wsi, start, &p, end) == 0;
}

// LWS_CALLBACK_HTTP_WRITEABLE: one step of the exchange's answer. Returns
// what the callback returns (-1 closes the connection).
int OnWriteable(lws* wsi, HttpServer::Connections& connections) {
  HttpExchange* exchange = connections.Find(wsi);
  if (exchange == nullptr) return 0;
  switch (exchange->phase) {
    case HttpExchange::Phase::kReading:
    case HttpExchange::Phase::kWaiting:
      return 0;
    case HttpExchange::Phase::kHeaders:
      if (!WriteHeaders(wsi, *exchange, connections.every_response)) return -1;
      if (exchange->stream) {
        // An event stream: no timeout, and the request's header storage (a
        // small shared pool) goes back at once. (lws_http_mark_sse() does
        // the same for HTTP/2 only and warns on HTTP/1.1.)
        lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
        lws_http_headers_detach(wsi);
        exchange->phase = HttpExchange::Phase::kStreaming;
        if (!exchange->queue.empty()) lws_callback_on_writable(wsi);
        return 0;
      }
      exchange->phase = HttpExchange::Phase::kBody;
      if (!exchange->response.body.empty()) {
        lws_callback_on_writable(wsi);
        return 0;
      }
      break;
    case HttpExchange::Phase::kBody: {
      const std::string& body = exchange->response.body;
      const std::size_t n = std::min(kWriteChunkBytes, body.size() - exchange->sent);
      const bool last = exchange->sent + n == body.size();
      if (!Write(wsi, std::string_view(body).substr(exchange->sent, n),
                 last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP)) {
        return -1;
      }
      exchange->sent += n;
      if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
      }
      break;
    }
    case HttpExchange::Phase::kStreaming: {
      if (exchange->queue.empty()) return 0;
      std::string bytes = std::move(exchange->queue.front());
      exchange->queue.pop_front();
      exchange->queued_bytes -= bytes.size();
      if (!Write(wsi, bytes, LWS_WRITE_HTTP)) return -1;
      if (!exchange->queue.empty()) lws_callback_on_writable(wsi);
      return 0;
    }
  }
  // A whole response has been written.
  const bool close = exchange->close_after;
  connections.exchanges.erase(wsi);
  if (close) return -1;
  return lws_http_transaction_completed(wsi) != 0 ? -1 : 0;
}

int OnHttp(lws* wsi, HttpServer::Connections& connections, const char* uri) {
  auto exchange = std::make_shared<HttpExchange>();
  exchange->wsi = wsi;
  connections.exchanges[wsi] = exchange;
  HttpRequest& request = exchange->request;
  request.path = uri != nullptr ? uri : "";
  request.host = Header(wsi, WSI_TOKEN_HOST);
  request.origin = Header(wsi, WSI_TOKEN_ORIGIN);
  request.cookie = Header(wsi, WSI_TOKEN_HTTP_COOKIE);
  char remote[64] = {};
  if (lws_get_peer_simple(wsi, remote, sizeof(remote)) != nullptr) request.remote = remote;
  if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0) {
    request.method = "GET";
  } else if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0) {
    request.method = "POST";
  } else {
    exchange->phase = HttpExchange::Phase::kWaiting;
    exchange->close_after = true;
    RespondNow(exchange, 405, "only GET and POST\n");
    return 0;
  }
  const std::string length = Header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
  if (request.method == "POST" && !length.empty() && length != "0") {
    const bool digits =
        std::all_of(length.begin(), length.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || length.size() > 9 || std::stoul(length) > kMaxHttpBodyBytes) {
      exchange->phase = HttpExchange::Phase::kWaiting;
      exchange->close_after = true;
      RespondNow(exchange, 413, "request body too large\n");
    }
    return 0;  // the body follows
  }
  Dispatch(connections, exchange);
  return 0;
}

int OnBody(lws* wsi, HttpServer::Connections& connections, const void* in, std::size_t len) {
  HttpExchange* exchange = connections.Find(wsi);
  if (exchange == nullptr || exchange->phase != HttpExchange::Phase::kReading) return 0;
  if (exchange->request.body.size() + len > kMaxHttpBodyBytes) {
    exchange->phase = HttpExchange::Phase::kWaiting;
    exchange->close_after = true;
    RespondNow(connections.exchanges[wsi], 413, "request body too large\n");
    return 0;
  }
  exchange->request.body.append(static_cast<const char*>(in), len);
  return 0;
}

int Callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, std::size_t len) {
  // Callbacks without a connection (protocol init, the context's own) and
  // every reason we do not handle go to lws's default handling.
  switch (reason) {
    case LWS_CALLBACK_HTTP:
      return OnHttp(wsi, ConnectionsOf(wsi), static_cast<const char*>(in));
    case LWS_CALLBACK_HTTP_BODY:
      return OnBody(wsi, ConnectionsOf(wsi), in, len);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION: {
      auto& connections = ConnectionsOf(wsi);
      auto it = connections.exchanges.find(wsi);
      if (it != connections.exchanges.end() && it->second->phase == HttpExchange::Phase::kReading) {
        Dispatch(connections, std::shared_ptr<HttpExchange>(it->second));
      }
      return 0;
    }
    case LWS_CALLBACK_HTTP_WRITEABLE:
      return OnWriteable(wsi, ConnectionsOf(wsi));
    case LWS_CALLBACK_CLOSED_HTTP:
      ConnectionsOf(wsi).exchanges.erase(wsi);
      break;
    default:
      break;
  }
  return lws_callback_http_dummy(wsi, reason, user, in, len);
}

const lws_protocols kProtocols[] = {
    {"http", Callback, 0, 0, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

void LogFromLws(int level, const char* line) {
  std::string_view text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (level == LLL_ERR) {
    SHOAL_LOG(kWarning) << "http: " << text;
  } else {
    SHOAL_LOG(kDebug) << "http: " << text;
  }
}

}  // namespace

bool HttpStream::Send(std::string bytes) {
  auto exchange = exchange_.lock();
  if (!exchange) return false;
  exchange->queued_bytes += bytes.size();
  exchange->queue.push_back(std::move(bytes));
  if (exchange->queued_bytes > kMaxHttpStreamQueueBytes) {
    // A reader that stopped reading: end its stream.
    lws_set_timeout(exchange->wsi, PENDING_TIMEOUT_HTTP_CONTENT, LWS_TO_KILL_ASYNC);
    return false;
  }
  if (exchange->phase == HttpExchange::Phase::kStreaming) lws_callback_on_writable(exchange->wsi);
  return true;
}

bool HttpStream::open() const { return !exchange_.expired(); }

void HttpResponder::Respond(HttpResponse response) const {
  auto exchange = exchange_.lock();
  if (!exchange || exchange->phase != HttpExchange::Phase::kWaiting) return;
  exchange->response = std::move(response);
  exchange->phase = HttpExchange::Phase::kHeaders;
  lws_callback_on_writable(exchange->wsi);
}

std::shared_ptr<HttpStream> HttpResponder::Stream(int status, std::string content_type,
                                                  HttpHeaders headers) const {
  auto stream = std::make_shared<HttpStream>(exchange_);
  auto exchange = exchange_.lock();
  if (!exchange || exchange->phase != HttpExchange::Phase::kWaiting) return stream;
  exchange->response = HttpResponse{status, std::move(content_type), std::move(headers), {}};
  exchange->stream = true;
  exchange->phase = HttpExchange::Phase::kHeaders;
  lws_callback_on_writable(exchange->wsi);
  return stream;
}

HttpServer::HttpServer(HttpHandler& handler)
    : handler_(handler), connections_(std::make_unique<Connections>()) {
  connections_->handler = &handler_;
}

Result<std::unique_ptr<HttpServer>> HttpServer::Listen(EventLoop& loop, const std::string& host,
                                                       std::uint16_t port, HttpHandler& handler,
                                                       HttpHeaders every_response) {
  lws_set_log_level(LLL_ERR, LogFromLws);
  std::unique_ptr<HttpServer> server(new HttpServer(handler));
  server->connections_->every_response = std::move(every_response);
  void* foreign_loops[] = {loop.get()};
  lws_context_creation_info info;
  std::memset(&info, 0, sizeof(info));
  info.port = port;
  info.iface = host.c_str();
  info.protocols = kProtocols;
  info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
  if (host.find(':') == std::string::npos) info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
  info.foreign_loops = foreign_loops;
  info.user = server->connections_.get();
  info.max_http_header_data = 8192;
  server->end_ = LwsContextEnd::Create(loop.get());
  info.pcontext = server->end_->slot();
  server->end_->fds().NoteBefore();
  server->context_ = lws_create_context(&info);
  server->end_->fds().NoteAfter();
  if (server->context_ == nullptr) {
    return Fail(ErrorCode::kIo, "http: cannot start libwebsockets on the loop");
  }
  server->end_->set_context(server->context_);
  lws_vhost* vhost = lws_create_vhost(server->context_, &info);
  if (vhost == nullptr) {
    return Fail(ErrorCode::kIo, "http: cannot listen on " + host + ":" + std::to_string(port) +
                                    " (in use, or not an address of this machine)");
  }
  server->port_ = static_cast<std::uint16_t>(lws_get_vhost_listen_port(vhost));
  auto timer = Timer::Create(loop);
  if (!timer) return timer.error();
  server->close_timer_ = std::move(*timer);
  return server;
}

HttpServer::~HttpServer() {
  Destroy();
  close_timer_.reset();
}

void HttpServer::Close() {
  if (context_ == nullptr || !close_timer_) return;
  close_deadline_ = std::chrono::steady_clock::now() + kCloseGrace;
  close_timer_->Start(std::chrono::milliseconds(0), [this] { DestroyWhenAnswered(); });
}

// Answers already given (a `shutdown` command's, say) are written first,
// for at most kCloseGrace; streams and requests still waiting are not.
void HttpServer::DestroyWhenAnswered() {
  const bool writing = std::any_of(
      connections_->exchanges.begin(), connections_->exchanges.end(), [](const auto& entry) {
        const auto phase = entry.second->phase;
        return phase == HttpExchange::Phase::kHeaders || phase == HttpExchange::Phase::kBody;
      });
  if (writing && std::chrono::steady_clock::now() < close_deadline_) {
    close_timer_->Start(std::chrono::milliseconds(5), [this] { DestroyWhenAnswered(); });
    return;
  }
  Destroy();
}

void HttpServer::Destroy() {
  if (context_ == nullptr) return;
  connections_->exchanges.clear();  // responders and streams go quiet
  lws_context_destroy(std::exchange(context_, nullptr));
  end_->fds().Hold();                      // lws closes its pipe again later
  LwsContextEnd::Finish(std::move(end_));  // the second call, once lws' handles closed
}

}  // namespace shoal::net
