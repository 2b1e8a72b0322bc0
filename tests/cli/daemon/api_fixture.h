// ControlApi on a temp home, wired as the daemon wires it: a real index,
// event loop, folder runners, peer hub and peer manager (not listening),
// with requests sent as lines over a real control socket, so each test sees
// the exact reply a client gets. Shared by the control API's test files.
#pragma once

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>

#include "cli/daemon/control_api.h"
#include "tests/net/control/control_test_support.h"
#include "tests/net/session/session_harness.h"
#include "tests/support/temp_dir.h"

namespace shoal::cli::testing {

namespace fs = std::filesystem;
using net::testing::RawClient;
using net::testing::RunUntil;
using nlohmann::json;

class ApiFixture {
 public:
  ApiFixture() {
    std::signal(SIGPIPE, SIG_IGN);  // a client hanging up must not kill the test binary
    paths.dir = home.path().string();
    auto opened = Index::Open(paths.index());
    REQUIRE(opened);
    index = std::make_unique<Index>(std::move(*opened));
    auto loaded = net::Identity::LoadOrCreate(paths.identity());
    REQUIRE(loaded);
    identity.emplace(std::move(*loaded));
    auto local = index->PutDevice({{}, identity->device_id(), "alpha", "", true, false});
    REQUIRE(local);
    auto created = net::EventLoop::Create();
    REQUIRE(created);
    loop = std::move(*created);
    FolderEngineConfig base;
    base.local_device_key = *local;
    base.local_short_id = identity->device_id().ShortId();
    FolderRunnerOptions options;
    options.watch = false;  // scans come from the first full scan and `rescan`
    folders = std::make_unique<FolderRunners>(*loop, *index, clock, base, options);
    pairing = std::make_unique<Pairing>(Pairing::Setup{
        loop.get(), &*identity, index.get(), &clock, "alpha", nullptr, {}, {}, {}, {}, {}});
    PeerHubCallbacks callbacks;
    callbacks.shared_with = [this](DeviceKey key) { return folders->SharedWith(key); };
    callbacks.on_engine_input = [](FolderPeer&) {};
    hub = std::make_unique<PeerHub>(*index, identity->device_id(), std::move(callbacks));
    peers = std::make_unique<net::PeerManager>(*loop, *identity, *hub, net::PeerManagerOptions{});
    hub->set_manager(peers.get());
    addresses = std::make_unique<DeviceAddresses>(*index, *peers);
    relays = std::make_unique<Relays>(*loop, *peers);
    rendezvous = std::make_unique<Rendezvous>(*loop, *index, *hub, *addresses, paths.dir);
    api = std::make_unique<ControlApi>(ControlApiParts{
        .index = *index,
        .clock = clock,
        .home = paths,
        .device = identity->device_id(),
        .device_name = "alpha",
        .keep_versions_days = 30,
        .folders = *folders,
        .hub = *hub,
        .peers = *peers,
        .addresses = *addresses,
        .pairing = *pairing,
        .relays = *relays,
        .rendezvous = *rendezvous,
        .port_mapper = nullptr,
        .set_port_mapping = nullptr,
        .stopping = [this] { return stop_asked; },
        .stop = [this] { stop_asked = true; },
        .gui = nullptr,
    });
    auto listening = net::ControlServer::Listen(*loop, paths.socket(), *api);
    REQUIRE(listening);
    server = std::move(*listening);
    client.emplace(paths.socket());
  }

  // Closes everything in the daemon's order; a leaked libuv handle fails.
  ~ApiFixture() {
    client.reset();
    bool closed = false;
    bool peers_done = false;
    server->Close([&] { closed = true; });
    peers->Shutdown([&] { peers_done = true; });
    CHECK(RunUntil(*loop, [&] { return closed && peers_done; }));
    server.reset();
    api.reset();
    relays.reset();
    rendezvous.reset();
    addresses.reset();
    peers.reset();
    hub.reset();
    pairing.reset();
    folders.reset();
    auto closed_loop = loop->Close();
    INFO((closed_loop ? std::string() : closed_loop.error().message));
    CHECK(closed_loop.has_value());
  }

  // The whole response line to `request` (an "id" is added).
  json Call(json request) {
    request["id"] = next_id++;
    client->Queue(request.dump() + "\n");
    std::string line;
    bool got = false;
    REQUIRE(RunUntil(*loop, [&] { return got || (got = client->TakeLine(line)); }));
    return json::parse(line);
  }
  // The result of a request that must succeed.
  json Ok(json request) {
    json response = Call(std::move(request));
    INFO(response.dump());
    REQUIRE(response["ok"] == true);
    return response["result"];
  }
  // The {code, message} of a request that must fail.
  json Failed(json request) {
    json response = Call(std::move(request));
    INFO(response.dump());
    REQUIRE(response["ok"] == false);
    return response["error"];
  }
  // Drives the loop until the folder's status satisfies `done`.
  bool FolderUntil(const std::function<bool(const json&)>& done) {
    json last;
    return RunUntil(*loop, [&] {
      last = Ok({{"cmd", "folder-list"}})["folders"];
      return last.size() == 1 && done(last[0]);
    });
  }

  shoal::testing::TempDir home;
  shoal::testing::TempDir elsewhere;  // folders live here, outside the home
  HomePaths paths;
  SystemClock clock;
  std::unique_ptr<Index> index;
  std::optional<net::Identity> identity;
  std::unique_ptr<net::EventLoop> loop;
  std::unique_ptr<FolderRunners> folders;
  std::unique_ptr<Pairing> pairing;
  std::unique_ptr<PeerHub> hub;
  std::unique_ptr<net::PeerManager> peers;
  std::unique_ptr<DeviceAddresses> addresses;
  std::unique_ptr<Relays> relays;
  std::unique_ptr<Rendezvous> rendezvous;
  std::unique_ptr<ControlApi> api;
  std::unique_ptr<net::ControlServer> server;
  std::optional<RawClient> client;
  bool stop_asked = false;
  int next_id = 1;
};

inline void WriteFile(const fs::path& path, const std::string& content) {
  std::ofstream(path) << content;
}

}  // namespace shoal::cli::testing
