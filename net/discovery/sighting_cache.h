// SightingCache: the announcements Discovery has recently heard, so that a
// device announcing every interval (on IPv4 and IPv6, on every interface) is
// news once per source address and again only when what it announces
// changes or the entry expired (Sighting::news: what is dialed at once, or
// checked for an invite's tag). Bounded: at most `capacity` entries; a full
// cache forgets the entry seen least recently, so a flood of forged
// announcements costs a fixed amount of memory and, at worst, makes a real
// device news again (harmless: announcements are hints). Where a device is
// dialed is kept apart, per device (RecentSightings).
//
// Pure (time is passed in); thread: whoever owns it, here the loop thread.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <list>
#include <map>
#include <string>
#include <utility>

#include "net/discovery/announcement.h"

namespace shoal::net {

// One valid announcement as received. A hint only: the handshake, not this,
// says who is at `address`.
struct Sighting {
  Announcement announcement;
  // The packet's source IP as text ("10.0.0.2", "fe80::1%eth0").
  std::string ip;
  // The source IP (with its IPv6 scope) and the announced listen port, ready
  // for connect(2) / uv_tcp_connect. The packet's own source port is unused.
  sockaddr_storage address{};
  // The SightingCache's verdict: this (device ID, source IP) was not heard
  // recently, or what it announces changed. Repeats are reported too, with
  // false, so that whoever keeps sightings knows which are still current.
  bool news = true;
};

class SightingCache {
 public:
  using Clock = std::chrono::steady_clock;

  // `capacity` > 0; entries not seen for `ttl` are forgotten.
  SightingCache(std::size_t capacity, std::chrono::milliseconds ttl);

  // Records `sighting` at `now`; true when it is news: its (device ID,
  // source IP) was not cached, its entry had expired, or the announcement
  // (instance ID, port, pairing tag) differs from the cached one.
  bool Observe(const Sighting& sighting, Clock::time_point now);

  std::size_t size() const { return order_.size(); }

 private:
  using Key = std::pair<DeviceId, std::string>;
  struct Entry {
    Key key;
    Announcement announcement;
    Clock::time_point last_seen;
  };

  void Expire(Clock::time_point now);

  std::size_t capacity_;
  std::chrono::milliseconds ttl_;
  std::list<Entry> order_;  // most recently seen first
  std::map<Key, std::list<Entry>::iterator> index_;
};

}  // namespace shoal::net
