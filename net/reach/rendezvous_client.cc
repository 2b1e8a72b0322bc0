#include "net/reach/rendezvous_client.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>

#include "core/base/log.h"
#include "net/peer/socket_address.h"

namespace shoal::net {

std::string SeenAnnouncement(int listen_port) {
  return kSeenScheme + (":" + std::to_string(listen_port));
}

std::optional<std::string> SeenHost(std::string_view address) {
  if (!address.starts_with(kSeenScheme)) return std::nullopt;
  auto split = SplitHostPort(address.substr(sizeof(kSeenScheme) - 1));
  if (!split || !NumericAddress(split->host, split->port) || !IsGlobalUnicastHost(split->host)) {
    return std::nullopt;
  }
  return split->host;
}

std::vector<std::string> SeenHosts(const std::vector<std::string>& addresses, std::size_t limit) {
  std::vector<std::string> hosts;
  for (const std::string& address : addresses) {
    auto host = SeenHost(address);
    if (!host || std::find(hosts.begin(), hosts.end(), *host) != hosts.end()) continue;
    if (hosts.size() == limit) break;
    hosts.push_back(std::move(*host));
  }
  return hosts;
}

RendezvousClient::RendezvousClient(EventLoop& loop, DiscoveryServer server,
                                   RendezvousIdentity identity)
    : loop_(loop),
      server_(std::move(server)),
      identity_(std::move(identity)),
      backoff_({.min = std::chrono::seconds(10), .max = std::chrono::minutes(5)},
               std::random_device{}()) {}

RendezvousClient::~RendezvousClient() = default;

Result<std::unique_ptr<RendezvousClient>> RendezvousClient::Start(EventLoop& loop,
                                                                  DiscoveryServer server,
                                                                  RendezvousIdentity identity) {
  std::unique_ptr<RendezvousClient> client(
      new RendezvousClient(loop, std::move(server), std::move(identity)));
  auto timer = Timer::Create(loop);
  if (!timer) return timer.error();
  client->timer_ = std::move(*timer);
  return client;
}

void RendezvousClient::Announce(std::vector<std::string> addresses) {
  if (addresses == addresses_ && (announced_ || in_flight_)) return;
  addresses_ = std::move(addresses);
  if (in_flight_) {
    dirty_ = true;
    return;
  }
  timer_->Stop();
  due_.reset();
  if (addresses_.empty()) {
    announced_ = false;
    return;
  }
  // On the next turn: no callback from inside this call.
  Schedule(std::chrono::milliseconds(0));
}

void RendezvousClient::AnnounceAgain(std::chrono::seconds min_gap) {
  if (addresses_.empty() || !announced_) return;  // none yet, or a retry is due
  if (in_flight_) {  // it may have left from where we were: once more after it
    again_gap_ = min_gap;
    return;
  }
  ScheduleAgain(min_gap);
}

void RendezvousClient::ScheduleAgain(std::chrono::seconds min_gap) {
  const auto now = std::chrono::steady_clock::now();
  const auto at = std::max(now, announced_at_ + min_gap);
  if (due_ && *due_ <= at) return;  // a send is due by then anyway
  Schedule(std::chrono::duration_cast<std::chrono::milliseconds>(at - now));
}

void RendezvousClient::Schedule(std::chrono::milliseconds delay) {
  timer_->Stop();
  due_ = std::chrono::steady_clock::now() + delay;
  timer_->Start(delay, [this] { SendAnnouncement(); });
}

void RendezvousClient::SendAnnouncement() {
  due_.reset();
  if (addresses_.empty()) return;
  dirty_ = false;
  std::string body = nlohmann::json{{"addresses", addresses_}}.dump();
  auto request =
      HttpsRequest::Start(loop_, server_, "/v2/", std::move(body), identity_,
                          [this](Result<HttpsResponse> r) { OnAnnounced(std::move(r)); });
  if (!request) {
    OnAnnounced(request.error());
    return;
  }
  in_flight_ = std::move(*request);
}

void RendezvousClient::OnAnnounced(Result<HttpsResponse> response) {
  in_flight_.reset();
  std::chrono::seconds next;
  if (response && response->status / 100 == 2) {
    announced_ = true;
    ++announcements_;
    announced_at_ = std::chrono::steady_clock::now();
    last_error_.clear();
    backoff_.Reset();
    next = std::chrono::seconds(response->reannounce_after_s > 0 ? response->reannounce_after_s
                                                                 : 1800);
    SHOAL_LOG(kDebug) << "rendezvous: announced " << addresses_.size() << " address(es)";
  } else {
    announced_ = false;
    last_error_ = response ? "announce refused: HTTP " + std::to_string(response->status)
                           : response.error().message;
    SHOAL_LOG(kInfo) << "rendezvous: " << last_error_;
    auto wait = std::chrono::duration_cast<std::chrono::seconds>(backoff_.Next());
    next = response && response->retry_after_s > 0 ? std::chrono::seconds(response->retry_after_s)
                                                   : std::max(wait, std::chrono::seconds(1));
  }
  if (dirty_) next = std::chrono::seconds(0);
  Schedule(next);
  // Asked again while this one was in flight: after a success, once the gap
  // has passed; a failure is retried anyway, at its own pace.
  if (again_gap_ && announced_) ScheduleAgain(*again_gap_);
  again_gap_.reset();
}

Result<std::unique_ptr<HttpsRequest>> RendezvousClient::Lookup(const RendezvousId& id,
                                                               LookupDone done) {
  return HttpsRequest::Start(
      loop_, server_, "/v2/?device=" + RendezvousIdText(id), "", identity_,
      [done = std::move(done)](Result<HttpsResponse> response) {
        if (!response) return done(response.error());
        if (response->status == 404) {
          return done(Fail(ErrorCode::kNotFound, "not announced"));
        }
        if (response->status != 200) {
          return done(Fail(ErrorCode::kIo, "lookup: HTTP " + std::to_string(response->status)));
        }
        auto json = nlohmann::json::parse(response->body, nullptr, false);
        std::vector<std::string> addresses;
        if (json.is_object() && json.contains("addresses") && json["addresses"].is_array()) {
          for (const auto& a : json["addresses"]) {
            if (a.is_string() && a.get<std::string>().size() <= 128) {
              addresses.push_back(a.get<std::string>());
            }
            if (addresses.size() == 16) break;
          }
        }
        done(std::move(addresses));
      });
}

}  // namespace shoal::net
