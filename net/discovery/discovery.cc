#include "net/discovery/discovery.h"

#include <arpa/inet.h>
#include <net/if.h>

#include <cstring>
#include <string>

#include "core/base/log.h"
#include "net/peer/socket_address.h"

namespace shoal::net {
namespace {

std::string UvError(const char* what, int rc) {
  std::string message(what);
  message.append(": ");
  message.append(uv_strerror(rc));
  return message;
}

}  // namespace

Discovery::Discovery(const DiscoveryOptions& options, const Announcement& self,
                     Callback on_sighting)
    : options_(options),
      self_(self),
      on_sighting_(std::move(on_sighting)),
      cache_(options.cache_capacity, 3 * options.interval) {}

Result<std::unique_ptr<Discovery>> Discovery::Start(EventLoop& loop,
                                                    const DiscoveryOptions& options,
                                                    const Announcement& self,
                                                    Callback on_sighting) {
  if (options.port == 0 || self.listen_port == 0 || options.interval.count() <= 0 ||
      options.cache_capacity == 0 || (!options.ipv4 && !options.ipv6)) {
    return Fail(ErrorCode::kInvalidArgument,
                "discovery: needs a port, a listen port, an interval, a cache and a family");
  }
  std::unique_ptr<Discovery> d(new Discovery(options, self, std::move(on_sighting)));
  std::string failures;
  if (options.ipv4) {
    auto udp = d->OpenSocket(loop.get(), AF_INET);
    if (udp) d->udp4_ = std::move(*udp);
    if (!udp) failures.append(udp.error().message);
  }
  if (options.ipv6) {
    int rc = uv_ip6_addr(options.ipv6_group.c_str(), options.port, &d->group_);
    auto udp = rc == 0 ? d->OpenSocket(loop.get(), AF_INET6)
                       : Result<UvHandle<uv_udp_t>>(Fail(ErrorCode::kInvalidArgument,
                                                         UvError("discovery: IPv6 group", rc)));
    if (udp) d->udp6_ = std::move(*udp);
    if (!udp) failures.append(failures.empty() ? "" : "; ").append(udp.error().message);
  }
  if (!d->udp4_ && !d->udp6_) return Fail(ErrorCode::kIo, failures);
  if (!failures.empty()) {
    SHOAL_LOG(kInfo) << failures << " (discovery continues on " << (d->udp4_ ? "IPv4" : "IPv6")
                     << " only)";
  }
  auto timer = UvHandle<uv_timer_t>::Init(loop.get(), uv_timer_init);
  if (!timer) return timer.error().Wrap("discovery");
  d->timer_ = std::move(*timer);
  d->timer_->data = d.get();
  auto interval = static_cast<std::uint64_t>(options.interval.count());
  int rc = uv_timer_start(
      d->timer_.get(),
      [](uv_timer_t* t) noexcept { static_cast<Discovery*>(t->data)->AnnounceNow(); }, interval,
      interval);
  if (rc != 0) return Fail(ErrorCode::kIo, UvError("discovery: timer", rc));
  d->AnnounceNow();
  return d;
}

Discovery::~Discovery() = default;

Result<UvHandle<uv_udp_t>> Discovery::OpenSocket(uv_loop_t* loop, int family) {
  const char* name = family == AF_INET ? "discovery: IPv4" : "discovery: IPv6";
  auto handle = UvHandle<uv_udp_t>::Init(loop, uv_udp_init_ex, static_cast<unsigned>(family));
  if (!handle) return handle.error().Wrap(name);
  uv_udp_t* udp = handle->get();
  udp->data = this;
  sockaddr_storage any{};
  unsigned bind_flags = UV_UDP_REUSEADDR;  // other daemons (and tests) on this host share the port
  if (family == AF_INET) {
    uv_ip4_addr("0.0.0.0", options_.port, reinterpret_cast<sockaddr_in*>(&any));
  } else {
    uv_ip6_addr("::", options_.port, reinterpret_cast<sockaddr_in6*>(&any));
    bind_flags |= UV_UDP_IPV6ONLY;
  }
  int rc = uv_udp_bind(udp, reinterpret_cast<const sockaddr*>(&any), bind_flags);
  if (rc == 0 && family == AF_INET) rc = uv_udp_set_broadcast(udp, 1);
  if (rc == 0 && family == AF_INET6) rc = uv_udp_set_multicast_ttl(udp, 1);
  if (rc == 0) {
    rc = uv_udp_recv_start(
        udp,
        [](uv_handle_t* h, size_t, uv_buf_t* buf) noexcept {
          auto* self = static_cast<Discovery*>(h->data);
          *buf = uv_buf_init(self->buffer_.data(), static_cast<unsigned>(self->buffer_.size()));
        },
        [](uv_udp_t* h, ssize_t nread, const uv_buf_t*, const sockaddr* from,
           unsigned flags) noexcept {
          static_cast<Discovery*>(h->data)->OnDatagram(nread, from, flags);
        });
  }
  if (rc != 0) return Fail(ErrorCode::kIo, UvError(name, rc));  // `handle` closes
  return handle;
}

void Discovery::SetPairingTag(std::optional<PairingTag> tag) {
  if (tag == self_.pairing_tag) return;
  self_.pairing_tag = tag;
  AnnounceNow();
}

void Discovery::AnnounceNow() {
  const Bytes packet = EncodeAnnouncement(self_);
  if (udp4_) SendTo(Targets4(), udp4_.get(), packet);
  if (udp6_) SendTo(Targets6(), udp6_.get(), packet);
}

void Discovery::SendTo(const std::vector<sockaddr_storage>& targets, uv_udp_t* socket,
                       const Bytes& packet) {
  // try_send: an announcement is tiny and periodic, so a full socket buffer
  // (EAGAIN) just skips this one; no request outlives the call.
  uv_buf_t buf = uv_buf_init(const_cast<char*>(reinterpret_cast<const char*>(packet.data())),
                             static_cast<unsigned>(packet.size()));
  for (const sockaddr_storage& target : targets) {
    int rc = uv_udp_try_send(socket, &buf, 1, reinterpret_cast<const sockaddr*>(&target));
    if (rc >= 0) {
      ++stats_.sent;
    } else {
      SHOAL_LOG(kDebug) << "discovery: send to "
                        << HostText(reinterpret_cast<const sockaddr*>(&target)) << ": "
                        << uv_strerror(rc);
    }
  }
}

std::vector<sockaddr_storage> Discovery::Targets4() const {
  std::vector<sockaddr_storage> targets;
  auto add = [&](std::uint32_t ip_host_order) {
    sockaddr_storage s{};
    auto* in = reinterpret_cast<sockaddr_in*>(&s);
    in->sin_family = AF_INET;
    in->sin_port = htons(options_.port);
    in->sin_addr.s_addr = htonl(ip_host_order);
    for (const auto& t : targets) {
      if (std::memcmp(&t, &s, sizeof(s)) == 0) return;
    }
    targets.push_back(s);
  };
  for (const std::string& text : options_.ipv4_targets) {
    sockaddr_in in{};
    if (uv_ip4_addr(text.c_str(), options_.port, &in) == 0) add(ntohl(in.sin_addr.s_addr));
  }
  if (!options_.ipv4_targets.empty()) return targets;
  uv_interface_address_t* interfaces = nullptr;
  int count = 0;
  if (int rc = uv_interface_addresses(&interfaces, &count); rc != 0) {
    SHOAL_LOG(kDebug) << "discovery: list interfaces: " << uv_strerror(rc);
    return targets;
  }
  for (int i = 0; i < count; ++i) {
    const uv_interface_address_t& it = interfaces[i];
    if (it.is_internal || it.address.address4.sin_family != AF_INET) continue;
    std::uint32_t ip = ntohl(it.address.address4.sin_addr.s_addr);
    std::uint32_t mask = ntohl(it.netmask.netmask4.sin_addr.s_addr);
    if (~mask <= 1) continue;  // /31 and /32: point-to-point, no broadcast
    add(ip | ~mask);
  }
  uv_free_interface_addresses(interfaces, count);
  return targets;
}

std::vector<sockaddr_storage> Discovery::Targets6() {
  std::vector<sockaddr_storage> targets;
  uv_interface_address_t* interfaces = nullptr;
  int count = 0;
  if (int rc = uv_interface_addresses(&interfaces, &count); rc != 0) {
    SHOAL_LOG(kDebug) << "discovery: list interfaces: " << uv_strerror(rc);
    return targets;
  }
  std::set<unsigned> seen;
  for (int i = 0; i < count; ++i) {
    const uv_interface_address_t& it = interfaces[i];
    if (it.is_internal || it.address.address6.sin6_family != AF_INET6) continue;
    unsigned index = if_nametoindex(it.name);
    if (index == 0 || !seen.insert(index).second) continue;
    // Join the group on interfaces that appeared since the last round; a
    // failure (no multicast on that link) is retried next time.
    if (!joined_.contains(index)) {
      std::string where = "::%";
      where.append(it.name);
      int rc = uv_udp_set_membership(udp6_.get(), options_.ipv6_group.c_str(), where.c_str(),
                                     UV_JOIN_GROUP);
      if (rc == 0 || rc == UV_EADDRINUSE) {
        joined_.insert(index);
      } else {
        SHOAL_LOG(kDebug) << "discovery: join " << options_.ipv6_group << " on " << it.name << ": "
                          << uv_strerror(rc);
      }
    }
    sockaddr_storage s{};
    std::memcpy(&s, &group_, sizeof(group_));
    reinterpret_cast<sockaddr_in6*>(&s)->sin6_scope_id = index;
    targets.push_back(s);
  }
  uv_free_interface_addresses(interfaces, count);
  return targets;
}

void Discovery::OnDatagram(ssize_t nread, const sockaddr* from, unsigned flags) {
  if (nread == 0 && from == nullptr) return;  // libuv: nothing more to read for now
  if (nread < 0) {
    SHOAL_LOG(kDebug) << "discovery: receive: " << uv_strerror(static_cast<int>(nread));
    return;
  }
  if (from == nullptr) return;
  ++stats_.received;
  auto announcement =
      (flags & UV_UDP_PARTIAL) != 0
          ? Result<Announcement>(Fail(ErrorCode::kProtocol, "announcement: oversized datagram"))
          : DecodeAnnouncement(ByteSpan(reinterpret_cast<const std::uint8_t*>(buffer_.data()),
                                        static_cast<std::size_t>(nread)));
  if (!announcement) {
    ++stats_.invalid;
    SHOAL_LOG(kDebug) << "discovery: dropped a packet from " << HostText(from) << ": "
                      << announcement.error().message;
    return;
  }
  if (announcement->instance_id == self_.instance_id) {
    ++stats_.own;
    return;
  }
  Sighting sighting;
  sighting.announcement = *announcement;
  sighting.ip = HostText(from);
  std::memcpy(&sighting.address, from,
              from->sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
  const std::uint16_t port = htons(announcement->listen_port);
  if (from->sa_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&sighting.address)->sin_port = port;
  } else {
    reinterpret_cast<sockaddr_in6*>(&sighting.address)->sin6_port = port;
  }
  sighting.news = cache_.Observe(sighting, SightingCache::Clock::now());
  if (sighting.news) {
    ++stats_.reported;
    SHOAL_LOG(kDebug) << "discovery: " << ShortIdString(announcement->device.ShortId()) << " at "
                      << sighting.ip << " port " << announcement->listen_port;
  }
  if (on_sighting_) on_sighting_(sighting);
}

void MatchListenFamily(DiscoveryOptions& options, const std::string& host) {
  const bool ipv6_host = host.find(':') != std::string::npos;
  if (!ipv6_host) {
    options.ipv6 = false;
  } else if (host != "::") {
    options.ipv4 = false;
  }
}

}  // namespace shoal::net
