// GuiServer: the web interface (docs/user-guide.md "Web interface"). An
// HttpHandler on the daemon's loop that serves the embedded page and
// bridges the browser to the control API, so the page can do exactly what
// the CLI can, through the same handlers:
//
//   GET  /, /app.js, /conflicts.js, /style.css   the page (cli/gui/assets/)
//   POST /login                   {"token"} or {"password"} → session cookie
//   POST /logout
//   POST /api/<cmd>               a control command (docs/api.md): the body
//                                 is its request object; the answer is the
//                                 control response {"ok", "result"|"error"}
//   GET  /events                  Server-Sent Events: every event the
//                                 control socket's subscribers get
//
// Every request passes GuiGuard first (Host, then Origin for POST, then the
// session for /api and /events). Thread: the loop's.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/gui/gui_guard.h"
#include "cli/gui/login_throttle.h"
#include "net/control/control_server.h"
#include "net/http/http_server.h"
#include "net/loop/event_loop.h"

namespace shoal::cli {

struct GuiOptions {
  std::string host = "127.0.0.1";  // an address, without brackets
  std::uint16_t port = 8385;       // 0: the kernel chooses
  std::string password;            // required beyond loopback
};

// "127.0.0.1:8385", "[::1]:0", "localhost:8385" → host and port.
Result<GuiOptions> ParseGuiAddress(const std::string& address);
bool IsLoopbackHost(const std::string& host);

class GuiServer final : public net::HttpHandler {
 public:
  // `handler` (the control API) must outlive the server. Refuses a
  // non-loopback host without a password.
  static Result<std::unique_ptr<GuiServer>> Start(net::EventLoop& loop, GuiOptions options,
                                                  const std::string& token,
                                                  net::ControlHandler& handler);
  ~GuiServer() override;

  void OnRequest(const net::HttpRequest& request, net::HttpResponder responder) override;
  // Sends `event` to every open /events stream.
  void Publish(const nlohmann::json& event);
  void Close();

  // Where a browser on this machine finds the page: "http://127.0.0.1:8385/".
  std::string url() const;
  std::uint16_t port() const { return server_ ? server_->port() : 0; }
  std::size_t subscriber_count() const;

 private:
  GuiServer(GuiOptions options, net::ControlHandler& handler)
      : options_(std::move(options)), handler_(handler) {}
  void Login(const net::HttpRequest& request, const net::HttpResponder& responder);
  void Api(const net::HttpRequest& request, const net::HttpResponder& responder);
  void Events(const net::HttpResponder& responder);

  GuiOptions options_;
  net::ControlHandler& handler_;
  std::unique_ptr<GuiGuard> guard_;
  LoginThrottle throttle_;
  std::unique_ptr<net::HttpServer> server_;
  std::vector<std::shared_ptr<net::HttpStream>> streams_;
};

}  // namespace shoal::cli
