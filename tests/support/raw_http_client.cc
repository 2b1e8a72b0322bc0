#include "tests/support/raw_http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

namespace shoal::testing {

RawHttpClient::RawHttpClient(std::uint16_t port, std::string request)
    : outgoing_(std::move(request)) {
  fd_ = ScopedFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 &&
      errno != EINPROGRESS) {
    closed_ = true;
  }
}

bool RawHttpClient::Pump() {
  if (closed_) return true;
  while (!outgoing_.empty()) {
    ssize_t n = ::send(fd_.get(), outgoing_.data(), outgoing_.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    outgoing_.erase(0, static_cast<std::size_t>(n));
  }
  char buffer[65536];
  for (;;) {
    ssize_t n = ::recv(fd_.get(), buffer, sizeof(buffer), 0);
    if (n > 0) {
      incoming_.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN)) closed_ = true;
    break;
  }
  if (closed_) return true;
  RawHttpResponse r = response();
  auto length = r.headers.find("content-length");
  const std::size_t head_end = incoming_.find("\r\n\r\n");
  return head_end != std::string::npos && length != r.headers.end() &&
         incoming_.size() - head_end - 4 >= std::stoul(length->second);
}

RawHttpResponse RawHttpClient::response() const {
  RawHttpResponse r;
  const std::size_t head_end = incoming_.find("\r\n\r\n");
  if (head_end == std::string::npos) return r;
  std::istringstream head(incoming_.substr(0, head_end));
  std::string line;
  std::getline(head, line);
  if (line.size() > 12) r.status = std::stoi(line.substr(9, 3));
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    r.headers[name] = value;
  }
  r.body = incoming_.substr(head_end + 4);
  return r;
}

std::string HttpRequestBytes(const std::string& method, const std::string& path,
                             const std::string& host, const std::string& origin,
                             const std::string& cookie, const std::string& body) {
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n";
  if (!origin.empty()) request += "Origin: " + origin + "\r\n";
  if (!cookie.empty()) request += "Cookie: " + cookie + "\r\n";
  if (method == "POST") {
    request +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return request + "\r\n" + body;
}

}  // namespace shoal::testing
