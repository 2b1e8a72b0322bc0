#include "cli/daemon/internet_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/base/scoped_fd.h"

namespace shoal::cli {
namespace {

Error Errno(const std::string& what, const std::string& path) {
  return {ErrorCode::kIo, what + " " + path + ": " + std::strerror(errno)};
}

}  // namespace

Result<InternetConfig> LoadInternetConfig(const std::string& home) {
  const std::string path = InternetConfigPath(home);
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return InternetConfig{};
    return Errno("open", path);
  }
  std::stringstream text;
  text << in.rdbuf();
  auto json = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Fail(ErrorCode::kCorrupt, path + " is not a JSON object");
  }
  InternetConfig config;
  auto relays = json.value("relays", nlohmann::json::array());
  if (!relays.is_array()) return Fail(ErrorCode::kCorrupt, path + ": relays must be a list");
  for (const auto& relay : relays) {
    if (!relay.is_object() || !relay.contains("url") || !relay["url"].is_string()) {
      return Fail(ErrorCode::kCorrupt, path + ": a relay without a url");
    }
    bool is_static = relay.value("static", false);
    auto server = net::ParseTurnUrl(relay["url"].get<std::string>(), is_static);
    if (!server) return Fail(ErrorCode::kCorrupt, path + ": " + server.error().message);
    config.relays.push_back(std::move(*server));
  }
  if (json.contains("port_mapping")) {
    if (!json["port_mapping"].is_boolean()) {
      return Fail(ErrorCode::kCorrupt, path + ": port_mapping must be true or false");
    }
    config.port_mapping = json["port_mapping"].get<bool>();
  }
  if (json.contains("discovery")) {
    if (!json["discovery"].is_string()) {
      return Fail(ErrorCode::kCorrupt, path + ": discovery must be a URL");
    }
    auto server = net::ParseDiscoveryUrl(json["discovery"].get<std::string>());
    if (!server) return Fail(ErrorCode::kCorrupt, path + ": " + server.error().message);
    config.discovery = *server;
  }
  return config;
}

Result<void> SaveInternetConfig(const std::string& home, const InternetConfig& config) {
  nlohmann::json relays = nlohmann::json::array();
  for (const net::TurnServer& relay : config.relays) {
    relays.push_back({{"url", relay.Url()}, {"static", relay.static_password}});
  }
  nlohmann::json json{{"relays", relays}, {"port_mapping", config.port_mapping}};
  if (config.discovery) json["discovery"] = config.discovery->Url();
  const std::string text = json.dump(2) + "\n";
  const std::string path = InternetConfigPath(home);
  const std::string temp = path + ".tmp";
  ::unlink(temp.c_str());
  ScopedFd fd(::open(temp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) return Errno("create", temp);
  if (::fchmod(fd.get(), 0600) != 0) return Errno("chmod", temp);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    ::unlink(temp.c_str());
    return Errno("write", temp);
  }
  if (::fsync(fd.get()) != 0) return Errno("fsync", temp);
  if (auto closed = fd.Close(); !closed) return closed;
  if (::rename(temp.c_str(), path.c_str()) != 0) return Errno("rename to", path);
  ScopedFd dir(::open(home.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.valid()) ::fsync(dir.get());
  return {};
}

}  // namespace shoal::cli
