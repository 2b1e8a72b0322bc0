#include "net/reach/port_mapper.h"

#include <arpa/inet.h>
#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>
#include <miniupnpc/upnperrors.h>
#define ENABLE_STRNATPMPERR  // declares strnatpmperr()
#include <natpmp.h>
#include <sys/select.h>

#include <string>

#include "core/base/log.h"
#include "net/peer/peer_manager.h"
#include "net/peer/socket_address.h"

namespace shoal::net {
namespace {

using Clock = std::chrono::steady_clock;

// One NAT-PMP exchange: the request is already sent; waits for its answer
// (libnatpmp resends on its own schedule) until `deadline`. `code` gets
// libnatpmp's error code when the router answered with an error.
Result<natpmpresp_t> AwaitNatPmp(natpmp_t& n, Clock::time_point deadline, int* code = nullptr) {
  natpmpresp_t response{};
  for (;;) {
    const int rc = readnatpmpresponseorretry(&n, &response);
    if (rc >= 0) return response;
    if (rc != NATPMP_TRYAGAIN) {
      if (code != nullptr) *code = rc;
      return Fail(ErrorCode::kIo, std::string("NAT-PMP: ") + strnatpmperr(rc));
    }
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) return Fail(ErrorCode::kNotFound, "NAT-PMP: no answer");
    timeval wait{};
    getnatpmprequesttimeout(&n, &wait);
    const auto left_us = std::chrono::duration_cast<std::chrono::microseconds>(left).count();
    if (wait.tv_sec * 1'000'000 + wait.tv_usec > left_us) {
      wait.tv_sec = left_us / 1'000'000;
      wait.tv_usec = left_us % 1'000'000;
    }
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(n.s, &readable);
    select(n.s + 1, &readable, nullptr, nullptr, &wait);
  }
}

Result<PortMapping> MapWithNatPmp(int port, std::chrono::seconds lifetime,
                                  std::chrono::milliseconds timeout) {
  natpmp_t n{};
  if (int rc = initnatpmp(&n, 0, 0); rc < 0) {
    return Fail(ErrorCode::kNotFound, std::string("NAT-PMP: ") + strnatpmperr(rc));
  }
  const auto deadline = Clock::now() + timeout;
  PortMapping mapping;
  mapping.protocol = "NAT-PMP";
  mapping.internal_port = port;
  Result<natpmpresp_t> answer = Fail(ErrorCode::kIo, "NAT-PMP: not sent");
  int code = 0;
  if (sendpublicaddressrequest(&n) >= 0) answer = AwaitNatPmp(n, deadline, &code);
  if (code == NATPMP_ERR_NETWORKFAILURE) {
    // Result code 3: the gateway has no public address of its own
    // (miniupnpd on a CGNAT or private WAN answers so).
    closenatpmp(&n);
    mapping.double_nat = true;
    return mapping;
  }
  if (answer) {
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &answer->pnu.publicaddress.addr, text, sizeof(text));
    mapping.external_ip = text;
    if (!IsPublicIPv4(mapping.external_ip)) {
      mapping.double_nat = true;
    } else if (sendnewportmappingrequest(&n, NATPMP_PROTOCOL_TCP, static_cast<uint16_t>(port),
                                         static_cast<uint16_t>(port),
                                         static_cast<uint32_t>(lifetime.count())) >= 0) {
      answer = AwaitNatPmp(n, deadline);
      if (answer) {
        mapping.external_port = answer->pnu.newportmapping.mappedpublicport;
        mapping.lifetime = std::chrono::seconds(answer->pnu.newportmapping.lifetime);
      }
    }
  }
  closenatpmp(&n);
  if (!answer) return answer.error();
  return mapping;
}

Result<PortMapping> MapWithUpnp(int port, std::chrono::seconds lifetime,
                                std::chrono::milliseconds timeout) {
  int error = 0;
  UPNPDev* devices =
      upnpDiscover(static_cast<int>(timeout.count()), nullptr, nullptr, 0, 0, 2, &error);
  if (devices == nullptr) return Fail(ErrorCode::kNotFound, "UPnP: no device answered");
  UPNPUrls urls{};
  IGDdatas data{};
  char lan[64] = {};
  const int found = UPNP_GetValidIGD(devices, &urls, &data, lan, sizeof(lan));
  freeUPNPDevlist(devices);
  if (found != 1 && found != 2) {
    if (found != 0) FreeUPNPUrls(&urls);
    return Fail(ErrorCode::kNotFound, "UPnP: no internet gateway device answered");
  }
  PortMapping mapping;
  mapping.protocol = "UPnP";
  mapping.internal_port = port;
  mapping.control_url = urls.controlURL;
  mapping.service_type = data.first.servicetype;
  char external[40] = {};
  Result<void> done;
  if (UPNP_GetExternalIPAddress(urls.controlURL, data.first.servicetype, external) != 0) {
    done = Fail(ErrorCode::kIo, "UPnP: the gateway did not say its external address");
  } else if (mapping.external_ip = external; !IsPublicIPv4(mapping.external_ip)) {
    mapping.double_nat = true;
  } else {
    const std::string port_text = std::to_string(port);
    const std::string lease = std::to_string(lifetime.count());
    const int rc =
        UPNP_AddPortMapping(urls.controlURL, data.first.servicetype, port_text.c_str(),
                            port_text.c_str(), lan, "Shoal", "TCP", nullptr, lease.c_str());
    if (rc != 0) {
      done = Fail(ErrorCode::kIo,
                  "UPnP: the gateway refused the mapping (" + std::string(strupnperror(rc)) + ")");
    } else {
      mapping.external_port = port;
      mapping.lifetime = lifetime;
    }
  }
  FreeUPNPUrls(&urls);
  if (!done) return done.error();
  return mapping;
}

// Deletes a mapping on libuv's pool, owning what it needs; the loop runs
// until it is done.
struct UnmapWork {
  uv_work_t request{};
  PortMapping mapping;
  std::chrono::milliseconds timeout{0};
  Result<void> result;
};

void QueueUnmap(uv_loop_t* loop, PortMapping mapping, std::chrono::milliseconds timeout) {
  auto* work = new UnmapWork;
  work->mapping = std::move(mapping);
  work->timeout = timeout;
  const int rc = uv_queue_work(
      loop, &work->request,
      [](uv_work_t* request) noexcept {
        auto* w = reinterpret_cast<UnmapWork*>(request);
        w->result = UnmapTcpPort(w->mapping, w->timeout);
      },
      [](uv_work_t* request, int) noexcept {
        std::unique_ptr<UnmapWork> w(reinterpret_cast<UnmapWork*>(request));
        if (!w->result) {
          SHOAL_LOG(kWarning) << "port mapping: " << w->result.error().message;
        } else {
          SHOAL_LOG(kInfo) << "port mapping: deleted " << w->mapping.external_ip << ":"
                           << w->mapping.external_port;
        }
      });
  if (rc != 0) {
    SHOAL_LOG(kWarning) << "port mapping: the mapping is not deleted (" << uv_strerror(rc)
                        << "); it lapses with its lease";
    delete work;
  }
}

}  // namespace

std::string PortMapping::Announced() const {
  return kMappedScheme + external_ip + ":" + std::to_string(external_port);
}

bool IsPublicIPv4(std::string_view ip) {
  in_addr address{};
  if (inet_pton(AF_INET, std::string(ip).c_str(), &address) != 1) return false;
  const std::uint32_t a = ntohl(address.s_addr);
  // Besides local networks and this machine (IsLocalNetworkHost): 0/8, and
  // carrier-grade NAT's 100.64/10.
  return !IsLocalNetworkHost(ip) && (a >> 24) != 0 && (a >> 22) != (0x64400000u >> 22);
}

Result<PortMapping> MapTcpPort(int internal_port, std::chrono::seconds lifetime,
                               std::chrono::milliseconds timeout) {
  auto pmp = MapWithNatPmp(internal_port, lifetime, timeout);
  if (pmp) return pmp;
  auto upnp = MapWithUpnp(internal_port, lifetime, timeout);
  if (upnp) return upnp;
  if (pmp.error().code != ErrorCode::kNotFound) return pmp.error();
  if (upnp.error().code != ErrorCode::kNotFound) return upnp.error();
  return Fail(ErrorCode::kNotFound, "no router answered NAT-PMP or UPnP");
}

Result<void> UnmapTcpPort(const PortMapping& mapping, std::chrono::milliseconds timeout) {
  if (mapping.external_port == 0) return {};
  if (mapping.protocol == "UPnP") {
    const std::string port = std::to_string(mapping.external_port);
    if (UPNP_DeletePortMapping(mapping.control_url.c_str(), mapping.service_type.c_str(),
                               port.c_str(), "TCP", nullptr) != 0) {
      return Fail(ErrorCode::kIo, "UPnP: the gateway did not delete the mapping");
    }
    return {};
  }
  natpmp_t n{};
  if (int rc = initnatpmp(&n, 0, 0); rc < 0) {
    return Fail(ErrorCode::kIo, std::string("NAT-PMP: ") + strnatpmperr(rc));
  }
  Result<void> done;
  // Lifetime 0 deletes (RFC 6886 section 3.4).
  if (sendnewportmappingrequest(&n, NATPMP_PROTOCOL_TCP,
                                static_cast<uint16_t>(mapping.internal_port), 0, 0) < 0) {
    done = Fail(ErrorCode::kIo, "NAT-PMP: the delete was not sent");
  } else if (auto answer = AwaitNatPmp(n, Clock::now() + timeout); !answer) {
    done = answer.error();
  }
  closenatpmp(&n);
  return done;
}

// A mapping attempt on libuv's pool. When the mapper is destroyed first,
// `owner` is cleared and the work frees itself (and deletes any mapping it
// made) when it completes.
struct PortMapper::Work {
  uv_work_t request{};
  PortMapper* owner = nullptr;
  int port = 0;
  Options options;
  Result<PortMapping> result = Fail(ErrorCode::kCancelled, "not run");
};

PortMapper::PortMapper(EventLoop& loop, int port, std::function<void()> on_change, Options options)
    : loop_(loop), port_(port), on_change_(std::move(on_change)), options_(options) {}

PortMapper::~PortMapper() { Stop(); }

Result<std::unique_ptr<PortMapper>> PortMapper::Start(EventLoop& loop, int port,
                                                      std::function<void()> on_change,
                                                      Options options) {
  std::unique_ptr<PortMapper> mapper(new PortMapper(loop, port, std::move(on_change), options));
  auto timer = Timer::Create(loop);
  if (!timer) return timer.error();
  mapper->timer_ = std::move(*timer);
  mapper->Map();
  return mapper;
}

void PortMapper::Map() {
  if (stopped_ || work_ != nullptr) return;
  auto* work = new Work;
  work->owner = this;
  work->port = port_;
  work->options = options_;
  const int rc = uv_queue_work(
      loop_.get(), &work->request,
      [](uv_work_t* request) noexcept {
        auto* w = reinterpret_cast<Work*>(request);
        w->result = MapTcpPort(w->port, w->options.lifetime, w->options.timeout);
      },
      [](uv_work_t* request, int) noexcept {
        std::unique_ptr<Work> w(reinterpret_cast<Work*>(request));
        if (w->owner != nullptr) {
          w->owner->work_ = nullptr;
          w->owner->OnMapped(std::move(w->result));
        } else if (w->result && w->result->external_port != 0) {
          QueueUnmap(request->loop, std::move(*w->result), w->options.timeout);  // unwanted now
        }
      });
  if (rc != 0) {
    delete work;
    OnMapped(Fail(ErrorCode::kIo, std::string("port mapping: ") + uv_strerror(rc)));
    return;
  }
  work_ = work;
}

void PortMapper::OnMapped(Result<PortMapping> result) {
  std::chrono::seconds next{300};
  if (!result) {
    state_ = result.error().code == ErrorCode::kNotFound ? "no router answered" : "failed";
    last_error_ = result.error().message;
    mapping_ = {};
    next = std::chrono::seconds(60);
  } else if (result->double_nat) {
    state_ = "double NAT";
    last_error_ = (result->external_ip.empty() || result->external_ip == "0.0.0.0"
                       ? "the router has no public address of its own"
                       : "the router's own address " + result->external_ip + " is not public") +
                  ": it is behind another NAT (or a carrier's), so a mapping on it cannot help";
    mapping_ = std::move(*result);
  } else {
    state_ = "mapped";
    last_error_.clear();
    SHOAL_LOG(kInfo) << "port mapping: " << result->protocol << " maps " << result->external_ip
                     << ":" << result->external_port << " to port " << port_;
    mapping_ = std::move(*result);
    next = std::max(std::chrono::seconds(30), mapping_.lifetime / 2);
  }
  if (!stopped_) timer_->Start(next, [this] { Map(); });
  if (on_change_) on_change_();
}

void PortMapper::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (timer_) timer_->Stop();
  if (work_ != nullptr) {
    work_->owner = nullptr;  // it deletes what it maps when it completes
    work_ = nullptr;
  }
  if (mapping_.external_port != 0) QueueUnmap(loop_.get(), std::move(mapping_), options_.timeout);
  mapping_ = {};
  state_ = "stopped";
}

}  // namespace shoal::net
