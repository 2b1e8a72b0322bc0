#include "tests/hostile/hostile_peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "net/session/handshake_driver.h"
#include "net/wire/frame.h"
#include "net/wire/record_packer.h"

namespace shoal::hostile {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kHandshakeLimit = std::chrono::seconds(10);

Unexpected Io(const std::string& what) {
  return Fail(ErrorCode::kIo, what + ": " + std::strerror(errno));
}

Result<int> Dial(const std::string& host, int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    return Fail(ErrorCode::kInvalidArgument, "not an IPv4 address: " + host);
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Io("socket");
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    auto failed = Io("connect to " + host + ":" + std::to_string(port));
    ::close(fd);
    return failed;
  }
  return fd;
}

Result<void> WriteAll(int fd, ByteSpan bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Io("send");
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

enum class ReadOutcome { kData, kTimeout, kClosed };

// Reads at least one byte into `in` before `deadline`.
ReadOutcome ReadSome(int fd, Bytes& in, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return ReadOutcome::kTimeout;
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return ReadOutcome::kClosed;
    if (ready == 0) continue;  // the deadline is checked above
    std::uint8_t buffer[65536];
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ReadOutcome::kClosed;
    in.insert(in.end(), buffer, buffer + n);
    return ReadOutcome::kData;
  }
}

// Takes one whole frame body off the front of `in`, if there is one.
std::optional<Bytes> TakeFrame(Bytes& in) {
  if (in.size() < net::wire::kFrameHeaderSize) return std::nullopt;
  const std::size_t length = std::size_t{in[0]} << 8 | in[1];
  if (in.size() < net::wire::kFrameHeaderSize + length) return std::nullopt;
  Bytes body(in.begin() + net::wire::kFrameHeaderSize,
             in.begin() + static_cast<std::ptrdiff_t>(net::wire::kFrameHeaderSize + length));
  in.erase(in.begin(),
           in.begin() + static_cast<std::ptrdiff_t>(net::wire::kFrameHeaderSize + length));
  return body;
}

// The paired handshake as initiator; returns the driver, complete.
Result<net::HandshakeDriver> Handshake(int fd, const net::Identity& identity, Bytes& in) {
  net::HandshakeDriver::Config config;
  config.role = net::Role::kInitiator;
  config.type = net::wire::HandshakeType::kPaired;
  config.static_private_key = identity.noise_private_key();
  auto driver = net::HandshakeDriver::Create(config);
  if (!driver) return driver.error();
  Bytes out;
  if (auto ok = driver->Start(out); !ok) return ok.error();
  if (auto ok = WriteAll(fd, out); !ok) return ok.error();
  const auto deadline = Clock::now() + kHandshakeLimit;
  while (in.size() < net::wire::kPreambleSize) {
    if (ReadSome(fd, in, deadline) != ReadOutcome::kData) {
      return Fail(ErrorCode::kIo, "no preamble from the victim");
    }
  }
  out.clear();
  ByteSpan preamble(in.data(), net::wire::kPreambleSize);
  if (auto ok = driver->OnPreamble(preamble, out); !ok) return ok.error();
  in.erase(in.begin(), in.begin() + net::wire::kPreambleSize);
  if (!out.empty()) {
    if (auto ok = WriteAll(fd, out); !ok) return ok.error();
  }
  while (!driver->complete()) {
    auto frame = TakeFrame(in);
    if (!frame) {
      if (ReadSome(fd, in, deadline) != ReadOutcome::kData) {
        return Fail(ErrorCode::kIo, "handshake cut short");
      }
      continue;
    }
    out.clear();
    if (auto ok = driver->OnFrame(*frame, out); !ok) return ok.error();
    if (!out.empty()) {
      if (auto ok = WriteAll(fd, out); !ok) return ok.error();
    }
  }
  return std::move(*driver);
}

}  // namespace

Bytes ZstdFrame(ByteSpan content) {
  net::wire::Compressor zstd;
  return zstd.Compress(content, 19);
}

HostilePeer::HostilePeer(int fd, net::RecordSealer sealer, net::RecordOpener opener)
    : fd_(fd), sealer_(std::move(sealer)), opener_(std::move(opener)) {}

HostilePeer::~HostilePeer() { ::close(fd_); }

Result<std::unique_ptr<HostilePeer>> HostilePeer::Connect(const net::Identity& identity,
                                                          const std::string& host, int port,
                                                          const std::string& name) {
  auto fd = Dial(host, port);
  if (!fd) return fd.error();
  Bytes in;
  auto driver = Handshake(*fd, identity, in);
  if (!driver) {
    ::close(*fd);
    return driver.error().Wrap("handshake");
  }
  const bool addresses = driver->hello_addresses();
  auto ciphers = driver->Split();
  if (!ciphers) {
    ::close(*fd);
    return ciphers.error();
  }
  std::unique_ptr<HostilePeer> peer(
      new HostilePeer(*fd, net::RecordSealer(std::move(ciphers->send)),
                      net::RecordOpener(std::move(ciphers->receive))));
  peer->in_ = std::move(in);
  net::wire::Hello hello;
  hello.device_name = name;
  hello.client_name = "hostile";
  hello.client_version = "0";
  Bytes body = addresses ? net::wire::Encode(hello) : net::wire::EncodeHelloWithoutAddresses(hello);
  if (auto ok = peer->QueueMessage(net::wire::RecordType::kHello, body); !ok) return ok.error();
  if (auto ok = peer->Flush(); !ok) return ok.error();
  auto theirs = peer->Await(net::wire::RecordType::kHello, kHandshakeLimit);
  if (!theirs) return Fail(ErrorCode::kUnauthorized, "the victim sent no Hello (not paired?)");
  auto decoded = addresses ? net::wire::DecodeHello(theirs->body)
                           : net::wire::DecodeHelloWithoutAddresses(theirs->body);
  if (!decoded) return decoded.error();
  peer->victim_hello_ = std::move(*decoded);
  return peer;
}

Result<net::wire::ClusterConfig> HostilePeer::ShareBack(std::chrono::milliseconds limit) {
  auto message = Await(net::wire::RecordType::kClusterConfig, limit);
  if (!message) return Fail(ErrorCode::kIo, "no ClusterConfig from the victim");
  auto theirs = net::wire::DecodeClusterConfig(message->body);
  if (!theirs) return theirs.error();
  net::wire::ClusterConfig ours;
  for (const auto& share : theirs->folders) {
    ours.folders.push_back({share.id, share.label, share.hash_seed, {}});
  }
  if (auto ok = QueueMessage(ours); !ok) return ok.error();
  if (auto ok = Flush(); !ok) return ok.error();
  shared_ = theirs->folders;
  return std::move(*theirs);
}

Result<void> HostilePeer::QueueRecord(net::wire::RecordType type, std::uint8_t flags,
                                      ByteSpan body) {
  Bytes record = net::wire::EncodeRecord(type, flags, body);
  return sealer_.Seal(record, out_);
}

Result<void> HostilePeer::QueueMessage(net::wire::RecordType type, ByteSpan body) {
  for (const Bytes& record : net::wire::PackMessage(type, body, zstd_)) {
    if (auto ok = sealer_.Seal(record, out_); !ok) return ok;
  }
  return {};
}

Result<void> HostilePeer::QueueResponse(std::uint32_t request_id, ByteSpan block) {
  for (const Bytes& record :
       net::wire::PackResponse(request_id, net::wire::ResponseCode::kOk, block, zstd_)) {
    if (auto ok = sealer_.Seal(record, out_); !ok) return ok;
  }
  return {};
}

Result<void> HostilePeer::Flush() {
  auto written = WriteAll(fd_, out_);
  out_.clear();
  if (!written) closed_ = true;
  return written;
}

std::optional<net::wire::Message> HostilePeer::ReadMessage(Clock::time_point deadline) {
  for (;;) {
    while (auto frame = TakeFrame(in_)) {
      auto opened = opener_.Open(*frame);
      if (!opened) return std::nullopt;
      if (opened->response) {
        return net::wire::Message{net::wire::RecordType::kResponse,
                                  net::wire::Encode(*opened->response)};
      }
      if (opened->message) return std::move(*opened->message);
    }
    if (closed_) return std::nullopt;
    const ReadOutcome read = ReadSome(fd_, in_, deadline);
    if (read == ReadOutcome::kClosed) closed_ = true;
    if (read != ReadOutcome::kData) return std::nullopt;
  }
}

std::optional<net::wire::Message> HostilePeer::Await(net::wire::RecordType type,
                                                     std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (auto message = ReadMessage(deadline)) {
    if (message->type == type) return message;
  }
  return std::nullopt;
}

std::optional<net::wire::Close> HostilePeer::AwaitClose(std::chrono::milliseconds limit) {
  auto message = Await(net::wire::RecordType::kClose, limit);
  if (!message) return std::nullopt;
  auto close = net::wire::DecodeClose(message->body);
  if (!close) return std::nullopt;
  return *close;
}

std::size_t ServeRequests(HostilePeer& mallory, ByteSpan block, const std::function<bool()>& done,
                          std::chrono::seconds limit) {
  std::size_t served = 0;
  std::size_t unflushed = 0;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline && !mallory.closed()) {
    // Answers go out in rounds: whatever requests are already here, then
    // one write.
    auto message = mallory.Await(
        net::wire::RecordType::kRequest,
        unflushed > 0 ? std::chrono::milliseconds(0) : std::chrono::milliseconds(200));
    if (message) {
      auto request = net::wire::DecodeRequest(message->body);
      if (!request) break;
      if (!mallory.QueueResponse(request->request_id, block)) break;
      ++served;
      if (++unflushed < 256) continue;
    }
    if (unflushed > 0 && !mallory.Flush()) break;
    unflushed = 0;
  }
  return served;
}

}  // namespace shoal::hostile
