#include "cli/gui/gui_server.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

#include "cli/gui/gui_assets.h"
#include "core/base/log.h"
#include "net/control/control_protocol.h"

namespace shoal::cli {
namespace {

net::HttpResponse Text(int status, std::string body) {
  net::HttpResponse response;
  response.status = status;
  response.body = std::move(body) + "\n";
  return response;
}

net::HttpResponse JsonResponse(int status, const nlohmann::json& value) {
  net::HttpResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body = net::ControlLine(value);
  return response;
}

std::string HostForUrl(const std::string& host) {
  if (host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "[::1]";
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

bool IsLoopbackHost(const std::string& host) {
  return host.starts_with("127.") || host == "::1" || host == "localhost";
}

Result<GuiOptions> ParseGuiAddress(const std::string& address) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Fail(ErrorCode::kInvalidArgument, "--gui wants HOST:PORT, not '" + address + "'");
  }
  GuiOptions options;
  options.host = address.substr(0, colon);
  if (options.host.front() == '[' && options.host.back() == ']') {
    options.host = options.host.substr(1, options.host.size() - 2);
  }
  if (options.host == "localhost") options.host = "127.0.0.1";
  const std::string port = address.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return Fail(ErrorCode::kInvalidArgument, "--gui: '" + port + "' is not a port");
  }
  options.port = static_cast<std::uint16_t>(value);
  unsigned char scratch[16];
  if (::inet_pton(AF_INET, options.host.c_str(), scratch) != 1 &&
      ::inet_pton(AF_INET6, options.host.c_str(), scratch) != 1) {
    return Fail(ErrorCode::kInvalidArgument, "--gui: '" + options.host + "' is not an address");
  }
  return options;
}

Result<std::unique_ptr<GuiServer>> GuiServer::Start(net::EventLoop& loop, GuiOptions options,
                                                    const std::string& token,
                                                    net::ControlHandler& handler) {
  const bool loopback = IsLoopbackHost(options.host);
  if (!loopback && options.password.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "the web interface would listen on " + options.host +
                    ", beyond this machine: give --gui-password too, or --gui 127.0.0.1:PORT");
  }
  std::unique_ptr<GuiServer> gui(new GuiServer(options, handler));
  auto server =
      net::HttpServer::Listen(loop, options.host, options.port, *gui, GuiGuard::SecurityHeaders());
  if (!server) return server.error().Wrap("web interface");
  gui->server_ = std::move(*server);
  gui->guard_ = std::make_unique<GuiGuard>(GuiGuardConfig{
      loopback, gui->server_->port(), HostForUrl(options.host), token, options.password});
  return gui;
}

GuiServer::~GuiServer() { Close(); }

void GuiServer::Close() {
  streams_.clear();
  if (server_) server_->Close();
}

std::string GuiServer::url() const {
  return "http://" + HostForUrl(options_.host) + ":" + std::to_string(port()) + "/";
}

void GuiServer::OnRequest(const net::HttpRequest& request, net::HttpResponder responder) {
  if (!guard_->HostAllowed(request.host)) {
    responder.Respond(Text(403, "this server does not answer to the host '" + request.host + "'"));
    return;
  }
  if (request.method == "POST" && !GuiGuard::OriginAllowed(request.origin, request.host)) {
    responder.Respond(Text(403, "cross-origin request refused"));
    return;
  }
  if (request.method == "GET") {
    if (request.path == "/events") {
      if (!guard_->HasSession(request.cookie)) {
        responder.Respond(Text(401, "log in first"));
        return;
      }
      Events(responder);
      return;
    }
    if (const GuiAsset* asset = FindGuiAsset(request.path)) {
      net::HttpResponse response;
      response.content_type = std::string(asset->content_type);
      response.body = std::string(asset->bytes);
      responder.Respond(std::move(response));
      return;
    }
    responder.Respond(Text(404, "not found"));
    return;
  }
  if (request.path == "/login") {
    Login(request, responder);
  } else if (request.path == "/logout") {
    guard_->Logout(request.cookie);
    responder.Respond(JsonResponse(200, {{"ok", true}}));
  } else if (request.path.starts_with("/api/")) {
    if (!guard_->HasSession(request.cookie)) {
      responder.Respond(JsonResponse(
          401,
          {{"ok", false}, {"error", {{"code", "unauthorized"}, {"message", "log in first"}}}}));
      return;
    }
    Api(request, responder);
  } else {
    responder.Respond(Text(404, "not found"));
  }
}

void GuiServer::Login(const net::HttpRequest& request, const net::HttpResponder& responder) {
  auto body = net::ParseControlLine(request.body);
  std::string token;
  std::string password;
  if (body && body->is_object()) {
    if (auto it = body->find("token"); it != body->end() && it->is_string()) token = *it;
    if (auto it = body->find("password"); it != body->end() && it->is_string()) password = *it;
  }
  const auto now = LoginThrottle::Clock::now();
  const std::string who = LoginThrottle::KeyFor(request.remote);
  if (auto wait = throttle_.WaitFor(who, now); wait.count() > 0) {
    // The secret is not even compared: guesses during the wait are free of
    // information (login_throttle.h).
    const auto seconds = (wait.count() + 999) / 1000;
    net::HttpResponse response = JsonResponse(
        429, {{"ok", false},
              {"error",
               {{"code", "too_many_attempts"},
                {"message", "too many wrong logins from " + request.remote + ": try again in " +
                                std::to_string(seconds) + " s"}}}});
    response.headers.emplace_back("retry-after", std::to_string(seconds));
    responder.Respond(std::move(response));
    return;
  }
  auto cookie = guard_->Login(token, password);
  if (!cookie) {
    throttle_.Failed(who, now);
    SHOAL_LOG(kWarning) << "web interface: a login with a wrong token or password from "
                        << request.remote;
    responder.Respond(JsonResponse(
        403, {{"ok", false},
              {"error", {{"code", "unauthorized"}, {"message", "wrong token or password"}}}}));
    return;
  }
  throttle_.Succeeded(who);
  net::HttpResponse response = JsonResponse(200, {{"ok", true}});
  response.headers.emplace_back("set-cookie", *cookie);
  responder.Respond(std::move(response));
}

void GuiServer::Api(const net::HttpRequest& request, const net::HttpResponder& responder) {
  const std::string cmd = request.path.substr(std::string_view("/api/").size());
  nlohmann::json command = nlohmann::json::object();
  if (!request.body.empty()) {
    auto parsed = net::ParseControlLine(request.body);
    if (!parsed || !parsed->is_object()) {
      responder.Respond(JsonResponse(
          400, {{"ok", false},
                {"error",
                 {{"code", "invalid_argument"}, {"message", "the body must be a JSON object"}}}}));
      return;
    }
    command = std::move(*parsed);
  }
  if (cmd == "subscribe") {
    responder.Respond(Text(404, "events come from GET /events"));
    return;
  }
  command["cmd"] = cmd;
  auto reply = net::ControlReply::Calling([responder](const nlohmann::json& response) {
    responder.Respond(JsonResponse(200, response));
  });
  net::HandleControlRequest(handler_, command, reply);
}

void GuiServer::Events(const net::HttpResponder& responder) {
  auto stream = responder.Stream(200, "text/event-stream", {});
  // A first comment, so the browser's EventSource opens at once.
  stream->Send(": shoal events\n\n");
  streams_.push_back(std::move(stream));
}

std::size_t GuiServer::subscriber_count() const {
  return static_cast<std::size_t>(
      std::count_if(streams_.begin(), streams_.end(), [](const auto& s) { return s->open(); }));
}

void GuiServer::Publish(const nlohmann::json& event) {
  std::erase_if(streams_, [](const auto& stream) { return !stream->open(); });
  if (streams_.empty()) return;
  std::string line = net::ControlLine(event);
  line.pop_back();
  const std::string message = "data: " + line + "\n\n";
  for (const auto& stream : streams_) stream->Send(message);
}

}  // namespace shoal::cli
