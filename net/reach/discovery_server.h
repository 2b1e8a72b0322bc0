// DiscoveryServer and HttpsRequest: talking to a Syncthing global discovery
// server (stdiscosrv, Debian's syncthing-discosrv), the record store Shoal
// uses for rendezvous (docs/protocol.md "Rendezvous").
//
//   https://HOST:PORT/?id=SERVER-ID
//
// The server is pinned by SERVER-ID, the SHA-256 of its certificate (the ID
// it prints at start): no certificate authority is involved, and a server
// presenting another certificate fails the TLS handshake before anything is
// sent. Requests carry our rendezvous certificate as the TLS client
// certificate; the server files announcements under its hash.
//
// HttpsRequest runs one request with libcurl on libuv's thread pool and
// calls back on the loop thread. Thread: the loop's thread for both.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "net/loop/event_loop.h"
#include "net/reach/rendezvous_identity.h"

namespace shoal::net {

struct DiscoveryServer {
  std::string base;          // "https://HOST:PORT" (no path)
  RendezvousId server_id{};  // SHA-256 of the server's certificate

  // The URL again (for the config file).
  std::string Url() const;
  friend bool operator==(const DiscoveryServer&, const DiscoveryServer&) = default;
};

// Fails with kInvalidArgument naming what is wrong.
Result<DiscoveryServer> ParseDiscoveryUrl(std::string_view url);

struct HttpsResponse {
  long status = 0;
  std::string body;
  long reannounce_after_s = 0;  // Reannounce-After, 0 when absent
  long retry_after_s = 0;       // Retry-After, 0 when absent
};

// One request. `post_body` empty: GET. The callback runs once on the loop
// thread (never from inside Start) unless the request is destroyed first;
// the thread-pool work then finishes and is dropped.
class HttpsRequest {
 public:
  using Done = std::function<void(Result<HttpsResponse>)>;
  static Result<std::unique_ptr<HttpsRequest>> Start(EventLoop& loop, const DiscoveryServer& server,
                                                     const std::string& path_and_query,
                                                     std::string post_body,
                                                     const RendezvousIdentity& identity, Done done);
  ~HttpsRequest();
  HttpsRequest(const HttpsRequest&) = delete;
  HttpsRequest& operator=(const HttpsRequest&) = delete;

  struct Work;  // the request as the pool thread sees it (discovery_server.cc)

 private:
  explicit HttpsRequest(Work* work) : work_(work) {}
  Work* work_;  // owned by the thread pool until its after-work callback
};

}  // namespace shoal::net
