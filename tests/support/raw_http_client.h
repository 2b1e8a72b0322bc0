// RawHttpClient: one HTTP/1.1 exchange over loopback TCP, driven without
// blocking from inside RunUntil, so a test can speak to a server on the
// same thread's loop and send what no browser would (a forged Host, a
// foreign Origin, no Origin at all).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/base/scoped_fd.h"

namespace shoal::testing {

struct RawHttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;
};

class RawHttpClient {
 public:
  // Connects to 127.0.0.1:`port` and queues `request` (the whole request,
  // as bytes).
  RawHttpClient(std::uint16_t port, std::string request);
  // Sends what it can and reads what has arrived; true once a whole
  // response (by Content-Length) has arrived or the server closed.
  bool Pump();
  // What has arrived so far, parsed.
  RawHttpResponse response() const;
  const std::string& raw() const { return incoming_; }

 private:
  ScopedFd fd_;
  std::string outgoing_;
  std::string incoming_;
  bool closed_ = false;
};

// "METHOD PATH" with Host, optional Origin and Cookie, and `body`.
std::string HttpRequestBytes(const std::string& method, const std::string& path,
                             const std::string& host, const std::string& origin = {},
                             const std::string& cookie = {}, const std::string& body = {});

}  // namespace shoal::testing
